// emu-ref: the C++ reference for the real-time benchmark (bench/hw-forward.mjs).
// It drives the very same Port classes as the addon, with no JavaScript:
//
//   emu-ref fwd BACKEND IFNAME NETNS SECONDS [XDPMODE]
//       (BACKEND: afpacket, afxdp, dpdk (net_af_packet), dpdk-af_xdp)
//       MAC-swap forwarder (DPDK testpmd's macswap): rx a burst of up to 32,
//       swap the Ethernet addresses, tx it back out; prints one JSON line.
//   emu-ref gen IFNAME NETNS SECONDS DSTMAC SRCMAC
//       AF_PACKET traffic source and sink: sends 64-byte IPv4/UDP frames as
//       fast as the TX ring takes them and counts the frames that come back;
//       prints one JSON line.
//
// Frames live in a private "pool" (the same slot layout as emu's packet
// pool), so the reference pays the same copies as the addon path does.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "af_packet.h"
#include "burst.h"
#ifdef EMU_HAVE_AFXDP
#include "af_xdp.h"
#endif
#ifdef EMU_HAVE_DPDK
#include "dpdk.h"
#endif

namespace {

constexpr uint32_t BURST = 32;
constexpr uint32_t SLOT = 2048;
constexpr uint32_t HEADROOM = 128;

double nowSec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

bool parseMac(const char* s, uint8_t* out) {
  unsigned v[6];
  if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return false;
  for (int i = 0; i < 6; i++) out[i] = (uint8_t)v[i];
  return true;
}

struct Bursts {
  std::vector<uint8_t> pool;
  uint32_t h[BURST], th[BURST];
  uint16_t o[BURST], l[BURST], to[BURST], tl[BURST];
  BurstArrays rx, tx;
  explicit Bursts(uint32_t slots) : pool((size_t)slots * SLOT) {
    for (auto* b : {&rx, &tx}) {
      b->pool = pool.data();
      b->poolBytes = pool.size();
      b->slotBytes = SLOT;
      b->headroom = HEADROOM;
      b->capacity = BURST;
    }
    rx.handles = h; rx.offs = o; rx.lens = l;
    tx.handles = th; tx.offs = to; tx.lens = tl;
  }
};

Port* open(const std::string& backend, const char* ifname, const char* netns, const char* mode, OpenError* e) {
  if (backend == "afpacket") {
    AfPacketOptions o;
    o.ifname = ifname;
    o.netns = netns;
    return openAfPacket(o, e);
  }
#ifdef EMU_HAVE_AFXDP
  if (backend == "afxdp") {
    AfXdpOptions o;
    o.ifname = ifname;
    o.netns = netns;
    o.mode = mode;
    return openAfXdp(o, e);
  }
#endif
#ifdef EMU_HAVE_DPDK
  if (backend == "dpdk" || backend == "dpdk-af_xdp") {
    DpdkOptions o;
    o.ifname = ifname;
    o.netns = netns;
    o.driver = backend == "dpdk" ? "af_packet" : "af_xdp";
    return openDpdk(o, e);
  }
#endif
  e->err = 0;
  e->message = "backend not built: " + backend;
  return nullptr;
}

int fwd(const std::string& backend, const char* ifname, const char* netns, double seconds, const char* mode) {
  OpenError e{0, ""};
  Port* p = open(backend, ifname, netns, mode, &e);
  if (p == nullptr) { fprintf(stderr, "emu-ref: %s: cannot open %s: %s\n", backend.c_str(), ifname, e.message.c_str()); return 1; }
  Bursts b(BURST);
  for (uint32_t i = 0; i < BURST; i++) b.h[i] = i;
  uint64_t rx = 0, tx = 0;
  double t0 = nowSec(), end = t0 + seconds;
  uint32_t spin = 0, idle = 0;
  // The same idle policy as emu's real-time core (rt-core.ts): after 1024
  // empty polls, nap 50 us. On a host with fewer CPUs than busy threads a
  // forwarder that never yields takes CPU from the kernel's own packet path.
  const timespec nap{0, 50000};
  while (true) {
    if ((++spin & 1023) == 0 && nowSec() >= end) break;
    uint32_t n = p->rx(b.rx, BURST);
    if (n == 0) {
      if (++idle >= 1024) nanosleep(&nap, nullptr);
      continue;
    }
    idle = 0;
    rx += n;
    for (uint32_t i = 0; i < n; i++) {
      uint8_t* f = b.pool.data() + (size_t)b.h[i] * SLOT + b.o[i];
      uint8_t t[6];
      memcpy(t, f, 6);
      memcpy(f, f + 6, 6);
      memcpy(f + 6, t, 6);
      b.th[i] = b.h[i];
      b.to[i] = b.o[i];
      b.tl[i] = b.l[i];
    }
    tx += p->tx(b.tx, n);
  }
  double el = nowSec() - t0;
  p->refreshStats();
  printf("{\"backend\":\"%s\",\"rx\":%llu,\"tx\":%llu,\"seconds\":%.6f,\"kernelDrops\":%llu}\n", backend.c_str(),
         (unsigned long long)rx, (unsigned long long)tx, el, (unsigned long long)p->counters.kernelDrops);
  p->close();
  delete p;
  return 0;
}

int gen(const char* ifname, const char* netns, double seconds, const uint8_t* dst, const uint8_t* src) {
  OpenError e{0, ""};
  Port* p = open("afpacket", ifname, netns, "auto", &e);
  if (p == nullptr) { fprintf(stderr, "emu-ref: afpacket: cannot open %s: %s\n", ifname, e.message.c_str()); return 1; }
  Bursts b(2 * BURST);
  for (uint32_t i = 0; i < BURST; i++) {
    uint8_t* f = b.pool.data() + (size_t)i * SLOT + HEADROOM;
    memset(f, 0, 64);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08; f[14] = 0x45; f[17] = 50; f[22] = 64; f[23] = 17;
    f[26] = 10; f[27] = 1; f[28] = 0; f[29] = (uint8_t)i; f[30] = 10; f[31] = 2; f[33] = 1;
    f[34] = 0x04; f[35] = (uint8_t)i; f[36] = 0x12; f[37] = 0xb5; f[39] = 30;
    b.th[i] = i; b.to[i] = HEADROOM; b.tl[i] = 64;
  }
  for (uint32_t i = 0; i < BURST; i++) b.h[i] = BURST + i;
  uint64_t sent = 0, back = 0, backWarm = 0, sentWarm = 0;
  // The first 20 % of the time is warm-up: counted apart, not in the rate.
  double t0 = nowSec(), warm = t0 + seconds * 0.2, end = t0 + seconds, tw = 0;
  uint32_t spin = 0;
  bool warmed = false;
  while (true) {
    if ((++spin & 255) == 0) {
      double t = nowSec();
      if (!warmed && t >= warm) { warmed = true; tw = t; backWarm = back; sentWarm = sent; }
      if (t >= end) break;
    }
    sent += p->tx(b.tx, BURST);
    back += p->rx(b.rx, BURST);
  }
  double el = nowSec() - tw;
  // Drain what is still on its way back.
  double d0 = nowSec();
  while (nowSec() - d0 < 0.05) back += p->rx(b.rx, BURST);
  printf("{\"sent\":%llu,\"received\":%llu,\"measuredSent\":%llu,\"measuredReceived\":%llu,\"seconds\":%.6f,\"pps\":%.0f}\n",
         (unsigned long long)sent, (unsigned long long)back, (unsigned long long)(sent - sentWarm),
         (unsigned long long)(back - backWarm), el, (double)(back - backWarm) / el);
  p->close();
  delete p;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 6 && std::string(argv[1]) == "fwd") return fwd(argv[2], argv[3], argv[4], atof(argv[5]), argc > 6 ? argv[6] : "auto");
  uint8_t dst[6], src[6];
  if (argc == 7 && std::string(argv[1]) == "gen" && parseMac(argv[5], dst) && parseMac(argv[6], src)) return gen(argv[2], argv[3], atof(argv[4]), dst, src);
  fprintf(stderr, "usage: emu-ref fwd BACKEND IFNAME NETNS SECONDS [XDPMODE] | emu-ref gen IFNAME NETNS SECONDS DSTMAC SRCMAC\n");
  return 2;
}
