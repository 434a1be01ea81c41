# device-tree-model.sh: gives a lab pi host the device-tree model a Raspberry Pi's firmware
# provides, NUL-terminated as on a Pi. Docker cannot bind files into /sys and the container
# may not mount, so the lab runs this from outside, as root, in the container's mount
# namespace (nsenter --target PID --mount -- sh -c SCRIPT sh MODEL): a tmpfs over /sys/firmware.
# It lives beside the lab, not in fleetctl/remote: it is part of making the lab's hosts, never
# something fleetctl runs on the hosts it deploys to.
# Arguments: MODEL (e.g. "Raspberry Pi 4 Model B Rev 1.4")
# Output: none. Exit codes: 0 the model is there (already, or now); else the failing command's.
f=/sys/firmware/devicetree/base/model
[ -e "$f" ] && exit 0
mount -t tmpfs -o mode=0755 tmpfs /sys/firmware &&
  mkdir -p /sys/firmware/devicetree/base &&
  printf '%s\0' "$1" > "$f"
