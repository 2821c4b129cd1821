// Running an open in another network namespace. setns(CLONE_NEWNET) changes
// only the calling thread; a socket keeps the namespace it was created in,
// so a port opened inside NsGuard keeps working after the guard restores the
// thread's own namespace. The guard is COLD and used only around open.
#pragma once
#include <string>
#include "errors.h"

class NsGuard {
 public:
  // Enters /run/netns/<name> unless name is empty. On failure, ok() is false
  // and error() says why; the thread stays where it was.
  explicit NsGuard(const std::string& name);
  ~NsGuard();
  bool ok() const { return ok_; }
  const OpenError& error() const { return err_; }
 private:
  int orig_ = -1;
  bool ok_ = true;
  OpenError err_{0, ""};
};
