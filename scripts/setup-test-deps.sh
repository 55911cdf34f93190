#!/usr/bin/env bash
# Installs what the tests need when it is missing: Debian's prometheus, alertmanager (promtool, amtool),
# openssh-server, and govc + vcsim built from Debian's govmomi source package (GOPATH mode).
# Idempotent: each part is skipped when already present. Never touches anything but this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS/bin"

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_pkgs=()
command -v prometheus >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v promtool >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_pkgs+=(prometheus-alertmanager)
command -v amtool >/dev/null 2>&1 || need_pkgs+=(prometheus-alertmanager)
[ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need_pkgs+=(openssh-client)
command -v ping >/dev/null 2>&1 || need_pkgs+=(iputils-ping)

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
  apt_update
  # No daemons started by package scripts: the tests start their own on loopback.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if [ ! -x "$TOOLS/bin/govc" ] || [ ! -x "$TOOLS/bin/vcsim" ]; then
  echo "setup: building govc and vcsim from Debian's golang-github-vmware-govmomi source"
  # deb-src for the same mirror and suites as the existing deb entries
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    elif [ -f /etc/apt/sources.list ]; then
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee /etc/apt/sources.list.d/debian-src.list >/dev/null
    fi
    apt_updated=0
  fi
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -qq golang-github-vmware-govmomi >/dev/null
  work="$TOOLS/src"
  rm -rf "$work"; mkdir -p "$work"
  (cd "$work" && apt-get source -qq golang-github-vmware-govmomi >/dev/null 2>&1)
  srcdir=$(find "$work" -maxdepth 1 -type d -name 'golang-github-vmware-govmomi-*' | head -1)
  gopath="$work/gopath"
  mkdir -p "$gopath/src/github.com/vmware"
  ln -s "$srcdir" "$gopath/src/github.com/vmware/govmomi"
  (
    cd "$gopath/src/github.com/vmware/govmomi"
    export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS= GOCACHE="$work/cache"
    go build -o "$TOOLS/bin/govc" ./govc
    go build -o "$TOOLS/bin/vcsim" ./vcsim
  )
  rm -rf "$work"
fi
"$TOOLS/bin/govc" version
echo "setup: ok"
