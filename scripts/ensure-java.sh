#!/usr/bin/env bash
# DynamoDB Local runs on Java 17+. Install it with apt when we can, otherwise say what to install.
set -euo pipefail
version() { java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print v[1]}'; }
if command -v java >/dev/null && [ "$(version)" -ge 17 ] 2>/dev/null; then exit 0; fi
echo "Java 17+ is missing (DynamoDB Local needs it); installing openjdk-17-jre-headless with apt..."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
if command -v apt-get >/dev/null && $SUDO true 2>/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  java -version
else
  echo "Cannot install Java here. Install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless;" >&2
  echo "macOS: brew install openjdk@17), then run make again." >&2
  exit 1
fi
