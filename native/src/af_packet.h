#pragma once
#include <string>
#include "burst.h"
#include "errors.h"

struct AfPacketOptions {
  std::string ifname;
  std::string netns;        // empty: the calling thread's namespace
  uint32_t rxBlocks = 64;   // TPACKET_V3 RX blocks of blockBytes
  uint32_t txFrames = 512;  // TX ring frames of 2048 bytes
  bool qdiscBypass = true;
  // TX only: no RX ring and bound to protocol 0, so the socket receives
  // nothing (a second socket on a port whose RX another socket polls).
  bool txOnly = false;
  // Nonzero: join PACKET_FANOUT group `fanoutGroup` in hash mode, so several
  // sockets on one interface split its frames by flow (emu's RX queues).
  uint32_t fanoutGroup = 0;
};

// COLD: opens a TPACKET_V3 socket on the interface; nullptr and *err on failure.
Port* openAfPacket(const AfPacketOptions& o, OpenError* err);
