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
};

// COLD: opens a TPACKET_V3 socket on the interface; nullptr and *err on failure.
Port* openAfPacket(const AfPacketOptions& o, OpenError* err);
