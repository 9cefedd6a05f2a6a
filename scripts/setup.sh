#!/usr/bin/env bash
# Installs what the local lab and the tests need on a Debian machine (as root): netperf from
# Debian's non-free component, iproute2 and ethtool (the lab and its host facts), OpenSSH client
# and server (the SSH transport's tests), xsltproc (the Xen domain XSLT's test), and the project's
# node modules (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# netperf lives in Debian's non-free component: enable it where it is not yet.
if [ -f /etc/apt/sources.list.d/debian.sources ] && ! grep -q '^Components:.*non-free' /etc/apt/sources.list.d/debian.sources; then
    sed -i 's/^Components: main.*/& non-free/' /etc/apt/sources.list.d/debian.sources
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb .*debian.* main' /etc/apt/sources.list && ! grep -q 'non-free' /etc/apt/sources.list; then
    sed -i '/^deb .*debian/ s/ main/ main non-free/' /etc/apt/sources.list
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends netperf iproute2 procps ethtool openssh-client openssh-server xsltproc >/dev/null
echo "installed: $(netperf -V 2>&1 | head -1)"

npm ci --no-audit --no-fund
