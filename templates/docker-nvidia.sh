#!/bin/sh
# Image build step 3: Docker and the NVIDIA container runtime. Checks first what it can
# install here and falls back only as far as the definition allows, saying so loudly:
#   Docker    from Docker CE's repository at DOCKER_CE_VERSION; when that repository cannot be
#             reached, DOCKER_SOURCE=docker-ce fails the build and
#             DOCKER_SOURCE=docker-ce-or-distribution installs the distribution's docker.io
#             (with Compose v2 when the distribution has it, else docker-compose v1)
#   NVIDIA    the container toolkit at NVIDIA_CONTAINER_TOOLKIT_VERSION, configured as a
#             runtime; without an NVIDIA GPU or without NVIDIA's repository,
#             NVIDIA_POLICY=required fails the build and NVIDIA_POLICY=if-available skips it
# What it did and why goes to $IMAGESMITH_STAGING/runtime.json (the template downloads it
# into the build manifest) and to /etc/edge-imagesmith/runtime.json in the image.
# Inputs (environment): DOCKER_CE_VERSION, NVIDIA_CONTAINER_TOOLKIT_VERSION, DOCKER_SOURCE,
#   NVIDIA_POLICY, INSECURE_REGISTRIES (space-separated host:port the daemon may pull from over
#   plain HTTP), IMAGESMITH_STAGING (default /tmp/imagesmith), DOCKER_CE_REPOSITORY and
#   NVIDIA_REPOSITORY (the URLs checked; defaults are the vendors'), IMAGESMITH_ROOT (default:
#   the image being built, /; the tests point it at a directory, with fake apt and docker).
set -eu
export DEBIAN_FRONTEND=noninteractive
: "${DOCKER_CE_VERSION:?}" "${NVIDIA_CONTAINER_TOOLKIT_VERSION:?}"
DOCKER_SOURCE=${DOCKER_SOURCE:-docker-ce}
NVIDIA_POLICY=${NVIDIA_POLICY:-required}
STAGING=${IMAGESMITH_STAGING:-/tmp/imagesmith}
ROOT=${IMAGESMITH_ROOT:-}
case "$DOCKER_SOURCE" in docker-ce|docker-ce-or-distribution) ;; *) echo "docker-nvidia: unknown DOCKER_SOURCE '$DOCKER_SOURCE'" >&2; exit 1 ;; esac
case "$NVIDIA_POLICY" in required|if-available) ;; *) echo "docker-nvidia: unknown NVIDIA_POLICY '$NVIDIA_POLICY'" >&2; exit 1 ;; esac

apt-get -y -q install --no-install-recommends ca-certificates curl gnupg
# shellcheck source=/dev/null  # the image's own os-release
. "$ROOT/etc/os-release"
distribution=$ID
codename=$VERSION_CODENAME
DOCKER_CE_REPOSITORY=${DOCKER_CE_REPOSITORY:-https://download.docker.com/linux/$distribution}
NVIDIA_REPOSITORY=${NVIDIA_REPOSITORY:-https://nvidia.github.io/libnvidia-container}
reachable() { curl -fsS --max-time 20 --retry 2 -o /dev/null "$1" 2>/dev/null; }
install -d -m 0755 "$ROOT/etc/apt/keyrings" "$ROOT/etc/apt/sources.list.d" "$ROOT/etc/edge-imagesmith"

# --- Docker ----------------------------------------------------------------------------------
# With apparmor: Docker only recommends it, but on a kernel with AppArmor enabled (Debian's and
# Ubuntu's are) the daemon cannot start a container without apparmor_parser to load its
# docker-default profile ("AppArmor enabled on system but the docker-default profile could
# not be loaded"), which the image lab found on its first boot.
if reachable "$DOCKER_CE_REPOSITORY/gpg"; then
  curl -fsSL "$DOCKER_CE_REPOSITORY/gpg" | gpg --dearmor --yes -o "$ROOT/etc/apt/keyrings/docker.gpg"
  echo "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] $DOCKER_CE_REPOSITORY $codename stable" > "$ROOT/etc/apt/sources.list.d/docker.list"
  apt-get update -q
  apt-get -y -q install --no-install-recommends \
    "docker-ce=$DOCKER_CE_VERSION" "docker-ce-cli=$DOCKER_CE_VERSION" containerd.io docker-compose-plugin apparmor
  # Monthly rebuilds move these on purpose; unattended upgrades must not.
  apt-mark hold docker-ce docker-ce-cli
  docker_source=docker-ce
  docker_note="Docker CE $DOCKER_CE_VERSION from $DOCKER_CE_REPOSITORY"
elif [ "$DOCKER_SOURCE" = docker-ce-or-distribution ]; then
  echo "docker-nvidia: WARNING: Docker CE's repository ($DOCKER_CE_REPOSITORY) cannot be reached; installing $distribution's docker.io instead, as the definition allows (docker.source: docker-ce-or-distribution)" >&2
  compose=docker-compose
  if apt-cache show docker-compose-v2 >/dev/null 2>&1; then compose=docker-compose-v2; fi
  apt-get -y -q install --no-install-recommends docker.io "$compose" apparmor
  apt-mark hold docker.io
  docker_source=distribution
  docker_note="$distribution's docker.io $(dpkg-query -W -f '${Version}' docker.io) and $compose $(dpkg-query -W -f '${Version}' "$compose"): Docker CE's repository could not be reached"
else
  echo "docker-nvidia: Docker CE's repository ($DOCKER_CE_REPOSITORY) cannot be reached and the definition requires Docker CE (docker.source: docker-ce); failing the build. A lab may allow the distribution's docker.io with docker.source: docker-ce-or-distribution." >&2
  exit 1
fi

if [ -n "${INSECURE_REGISTRIES:-}" ]; then
  echo "docker-nvidia: the daemon may pull over plain HTTP from: $INSECURE_REGISTRIES" >&2
  install -d -m 0755 "$ROOT/etc/docker"
  # One registry per word: split on purpose (each was checked to be host:port by imagesmith).
  # shellcheck disable=SC2086
  printf '{"insecure-registries": [%s]}\n' "$(printf '%s\n' $INSECURE_REGISTRIES | sed 's/.*/"&"/' | paste -sd, -)" > "$ROOT/etc/docker/daemon.json"
fi

# --- NVIDIA ----------------------------------------------------------------------------------
gpu=none
for vendor in "$ROOT"/sys/bus/pci/devices/*/vendor; do
  [ -r "$vendor" ] && [ "$(cat "$vendor")" = 0x10de ] && gpu=present
done
nvidia_installed=false
if [ "$gpu" = present ] && reachable "$NVIDIA_REPOSITORY/gpgkey"; then
  curl -fsSL "$NVIDIA_REPOSITORY/gpgkey" | gpg --dearmor --yes -o "$ROOT/etc/apt/keyrings/nvidia-container-toolkit.gpg"
  echo "deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit.gpg] $NVIDIA_REPOSITORY/stable/deb/\$(ARCH) /" \
    > "$ROOT/etc/apt/sources.list.d/nvidia-container-toolkit.list"
  apt-get update -q
  apt-get -y -q install --no-install-recommends \
    "nvidia-container-toolkit=$NVIDIA_CONTAINER_TOOLKIT_VERSION" "nvidia-container-toolkit-base=$NVIDIA_CONTAINER_TOOLKIT_VERSION"
  apt-mark hold nvidia-container-toolkit nvidia-container-toolkit-base
  nvidia-ctk runtime configure --runtime=docker
  nvidia_installed=true
  nvidia_note="nvidia-container-toolkit $NVIDIA_CONTAINER_TOOLKIT_VERSION, configured as a Docker runtime"
else
  if [ "$gpu" = present ]; then why="NVIDIA's repository ($NVIDIA_REPOSITORY) cannot be reached"; else why="this machine has no NVIDIA GPU"; fi
  if [ "$NVIDIA_POLICY" = required ]; then
    echo "docker-nvidia: $why and the definition requires the NVIDIA runtime (docker.nvidia: required); failing the build" >&2
    exit 1
  fi
  echo "docker-nvidia: WARNING: the NVIDIA runtime is NOT installed: $why (docker.nvidia: if-available); containers that ask for a GPU will not start" >&2
  nvidia_note="not installed: $why"
fi

# What was installed, for the manifest and for whoever looks at the box.
install -d -m 0755 "$STAGING"
printf '{"docker": {"source": "%s", "note": "%s"}, "nvidia": {"installed": %s, "note": "%s"}}\n' \
  "$docker_source" "$docker_note" "$nvidia_installed" "$nvidia_note" > "$STAGING/runtime.json"
install -m 0644 "$STAGING/runtime.json" "$ROOT/etc/edge-imagesmith/runtime.json"
systemctl enable docker
systemctl restart docker
echo "docker-nvidia: $(docker --version); NVIDIA runtime: $nvidia_note"
