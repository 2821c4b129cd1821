// Open-time errors: a backend fails with an errno and a sentence; the JS side
// adds the backend and interface names.
#pragma once
#include <string>

struct OpenError {
  int err;              // errno value (0 when none applies)
  std::string message;  // what failed, e.g. "bind to queue 0"
};

// COLD: "EBUSY" for EBUSY, etc.; "" if unknown.
const char* errnoName(int err);
