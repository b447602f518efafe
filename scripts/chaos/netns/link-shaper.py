#!/usr/bin/env python3
"""netem in user space, for kernels built without sch_netem (some VM kernels).

Relays every Ethernet frame between two interfaces of one namespace (an L2 relay: a box's veth on
one side, a veth into the lab's bridge on the other), dropping LOSS percent of them and delaying each
by DELAY +/- JITTER ms (uniform, each frame on its own, so frames may be reordered, as netem does).
Frames keep their virtio-net header (PACKET_VNET_HDR), so a segmentation-offloaded TCP super-frame
crosses as it is and the kernel segments it on the way out.

usage: link-shaper.py IF_A IF_B LOSS_PCT DELAY_MS JITTER_MS   (runs until SIGTERM)
Only the standard library: the chaos lab must not need anything a Debian box lacks.
"""
import heapq
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4
# a GSO super-frame can reach 64 KiB, plus the virtio-net header
FRAME_MAX = 65536 + 64


def open_raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


def main():
    if_a, if_b = sys.argv[1], sys.argv[2]
    loss = float(sys.argv[3]) / 100.0
    delay = float(sys.argv[4]) / 1000.0
    jitter = float(sys.argv[5]) / 1000.0
    a, b = open_raw(if_a), open_raw(if_b)
    other = {a: b, b: a}
    due = []  # (time to send, sequence, socket, frame)
    seq = 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, out, frame = heapq.heappop(due)
            try:
                out.send(frame)
            except OSError:
                pass  # the link is going away, or a full queue: a lost frame, as on a wire
        timeout = max(0.0, due[0][0] - now) if due else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        for s in readable:
            while True:
                try:
                    frame, addr = s.recvfrom(FRAME_MAX)
                except BlockingIOError:
                    break
                # this socket also sees the frames the relay itself sends out of its interface
                if addr[2] == PACKET_OUTGOING or random.random() < loss:
                    continue
                seq += 1
                at = time.monotonic() + max(0.0, delay + random.uniform(-jitter, jitter))
                heapq.heappush(due, (at, seq, other[s], frame))


if __name__ == "__main__":
    main()
