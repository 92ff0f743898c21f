#!/bin/sh
# Image build step 3: Docker CE and the NVIDIA container runtime, at pinned versions.
# Inputs (environment): DOCKER_CE_VERSION, NVIDIA_CONTAINER_TOOLKIT_VERSION.
set -eu
export DEBIAN_FRONTEND=noninteractive
: "${DOCKER_CE_VERSION:?}" "${NVIDIA_CONTAINER_TOOLKIT_VERSION:?}"

apt-get -y -q install --no-install-recommends ca-certificates curl gnupg
install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://download.docker.com/linux/ubuntu/gpg | gpg --dearmor -o /etc/apt/keyrings/docker.gpg
curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --dearmor -o /etc/apt/keyrings/nvidia-container-toolkit.gpg
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
echo "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu $codename stable" \
  > /etc/apt/sources.list.d/docker.list
echo "deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.gpg] https://nvidia.github.io/libnvidia-container/stable/deb/\$(ARCH) /" \
  > /etc/apt/sources.list.d/nvidia-container-toolkit.list
apt-get update -q
apt-get -y -q install --no-install-recommends \
  "docker-ce=$DOCKER_CE_VERSION" "docker-ce-cli=$DOCKER_CE_VERSION" containerd.io docker-compose-plugin \
  "nvidia-container-toolkit=$NVIDIA_CONTAINER_TOOLKIT_VERSION" "nvidia-container-toolkit-base=$NVIDIA_CONTAINER_TOOLKIT_VERSION"
# Monthly rebuilds move these on purpose; unattended upgrades must not.
apt-mark hold docker-ce docker-ce-cli nvidia-container-toolkit nvidia-container-toolkit-base

nvidia-ctk runtime configure --runtime=docker
systemctl enable docker
systemctl restart docker
