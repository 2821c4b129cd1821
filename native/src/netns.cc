#include "netns.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

NsGuard::NsGuard(const std::string& name) {
  if (name.empty()) return;
  if (name.find('/') != std::string::npos) {
    ok_ = false;
    err_ = {EINVAL, "network namespace name must not contain '/': " + name};
    return;
  }
  orig_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig_ < 0) {
    ok_ = false;
    err_ = {errno, std::string("cannot open this thread's network namespace: ") + strerror(errno)};
    return;
  }
  std::string path = "/run/netns/" + name;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    ok_ = false;
    err_ = {e, "cannot open network namespace " + path + ": " + strerror(e)};
    ::close(orig_);
    orig_ = -1;
    return;
  }
  if (setns(fd, CLONE_NEWNET) != 0) {
    int e = errno;
    ok_ = false;
    err_ = {e, "cannot enter network namespace " + name + ": " + strerror(e)};
    ::close(orig_);
    orig_ = -1;
  }
  ::close(fd);
}

NsGuard::~NsGuard() {
  if (orig_ < 0) return;
  // Back to the thread's own namespace; failing here would leave a JS thread
  // in the wrong namespace, which nothing downstream could explain.
  if (setns(orig_, CLONE_NEWNET) != 0) abort();
  ::close(orig_);
}
