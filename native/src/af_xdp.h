#pragma once
#include <string>
#include "burst.h"
#include "errors.h"

struct AfXdpOptions {
  std::string ifname;
  std::string netns;
  uint32_t queue = 0;
  std::string mode = "auto";  // "skb" (generic XDP), "native" (driver XDP), "auto" (native, else skb)
  uint32_t ringSize = 2048;   // RX, TX, FILL and COMPLETION descriptors
};

// COLD: nullptr and *err on failure (EBUSY is retried for ~200 ms first).
Port* openAfXdp(const AfXdpOptions& o, OpenError* err);
// COLD: libxdp/libbpf messages go to afXdpLastLibMessage(), not stderr
// (also used by the DPDK backend, whose af_xdp PMD calls libxdp).
void quietXdpLibs();
// COLD: the last message libxdp/libbpf printed (for error reports).
std::string afXdpLastLibMessage();
