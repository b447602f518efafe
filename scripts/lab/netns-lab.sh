#!/usr/bin/env bash
# The LAN test: three "boxes" in network namespaces joined by a bridge (plus one with the wrong cluster
# key), each running `llmlb serve` with no --peer. They must find each other by mDNS, serve each other's
# models, keep serving when one dies, and never admit the box with the wrong key.
# Needs root and iproute2. All traffic stays inside the namespaces this script creates; the machine's
# main namespace never sees multicast. The namespaces are removed on exit, whatever happens.
set -euo pipefail
case "${1:-}" in
  -h|--help) echo "usage: sudo bash scripts/lab/netns-lab.sh   (npm run test:lan) — the LAN test in network namespaces; takes no options"; exit 0 ;;
  "") ;;
  *) echo "netns-lab: unknown option $1 (it takes none; see --help)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "netns-lab: needs root (ip netns)"; exit 1; }
command -v ip >/dev/null || { echo "netns-lab: needs iproute2"; exit 1; }
[ -f dist/agent/src/cli/main.js ] || { echo "netns-lab: run npm run build first"; exit 1; }

P="llab$$"
BR="${P}br"
WORK=$(mktemp -d /tmp/llmlb-lab-XXXXXX)
NODES="1 2 3 4"
cleanup() {
  for i in $NODES; do
    for pid in $(ip netns pids "${P}n$i" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "${P}n$i" 2>/dev/null || true
  done
  ip netns del "$BR" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$BR"
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
for i in $NODES; do
  ns="${P}n$i"
  ip netns add "$ns"
  ip -n "$BR" link add "v$i" type veth peer name eth0 netns "$ns"
  ip -n "$BR" link set "v$i" master br0
  ip -n "$BR" link set "v$i" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "10.199.0.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  # without a multicast route mDNS fails with ENETUNREACH, silently
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
done

KEY=$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")
WRONG=$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")
for i in $NODES; do
  mkdir -p "$WORK/d$i"
  node dist/scripts/make-tiny-gguf.js "$WORK/lab-model-$i.gguf" --seed "$i" >/dev/null
  k=$KEY; [ "$i" = 4 ] && k=$WRONG
  # in a subshell so the shell does not report the kills of cleanup as job events
  (ip netns exec "${P}n$i" env LLMLB_AUTH=off node bin/llmlb.js serve --name "lab$i" --data-dir "$WORK/d$i" \
    --host 0.0.0.0 --model "$WORK/lab-model-$i.gguf" --cluster-key "$k" --log-level warn >"$WORK/n$i.log" 2>&1 &)
done

check() { ip netns exec "${P}n$1" node scripts/lab/lab-check.mjs "${@:2}"; }
status=0
check 1 expect-models http://10.199.0.1:32768 lab-model-1,lab-model-2,lab-model-3 || status=1
check 2 expect-models http://10.199.0.2:32768 lab-model-1,lab-model-2,lab-model-3 || status=1
check 3 serve http://10.199.0.3:32768 lab-model-1 lab1 || status=1
check 1 serve http://10.199.0.1:32768 lab-model-2 lab2 || status=1
check 4 shut-out http://10.199.0.4:32768 lab-model-1 || status=1
check 1 shut-out-peer http://10.199.0.1:32768 lab4 || status=1
for pid in $(ip netns pids "${P}n3"); do kill -9 "$pid"; done
check 1 expect-models http://10.199.0.1:32768 lab-model-1,lab-model-2 || status=1
check 2 serve http://10.199.0.2:32768 lab-model-1 lab1 || status=1
if [ $status != 0 ]; then for i in $NODES; do echo "--- lab$i log"; tail -20 "$WORK/n$i.log"; done; fi
[ $status = 0 ] && echo "netns-lab: 3 boxes found each other by mDNS, served each other's models, survived a kill, and shut out the wrong key"
exit $status
