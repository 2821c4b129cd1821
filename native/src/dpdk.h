#pragma once
#include <string>
#include "burst.h"
#include "errors.h"

struct DpdkOptions {
  std::string ifname;
  std::string netns;
  uint32_t queue = 0;
  std::string driver = "af_packet";  // the vdev PMD: "af_packet" or "af_xdp"
};

// COLD: starts the EAL once per process (on a thread of its own), then
// hot-plugs a vdev for the interface and starts it; nullptr and *err on failure.
Port* openDpdk(const DpdkOptions& o, OpenError* err);
