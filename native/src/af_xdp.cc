// AF_XDP backend (libxdp): a private UMEM, one XSK socket on one queue, the
// default libxdp redirect program. Copy mode (XDP_COPY): veth has no
// zero-copy (EOPNOTSUPP), and our pool is not the UMEM (see README.md: the
// addon copies between UMEM frames and pool slots, one memcpy per frame).
//
// UMEM frames: [0, ringSize) are RX frames, [ringSize, 2*ringSize) TX frames.
// Ownership (also in native/README.md):
//   FILL ring   addon -> kernel: an RX frame on FILL is the kernel's.
//   RX ring     kernel -> addon: a frame read from RX is the addon's until it
//               has copied it into a pool slot and put it back on FILL.
//   TX ring     addon -> kernel: a TX frame on TX is the kernel's.
//   COMPLETION  kernel -> addon: the kernel gives a TX frame back; the addon
//               keeps it on its free stack until the next tx needs it.
// Every RX frame is always either on FILL, in the kernel, or being copied in
// rx() (then back on FILL before rx returns), so FILL never runs dry.
#include "af_xdp.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <map>
#include <mutex>
#include <vector>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "netns.h"

namespace {

constexpr uint32_t FRAME_BYTES = XSK_UMEM__DEFAULT_FRAME_SIZE / 2;  // 2048
// The kernel sends at most 32 frames per sendto() in copy mode, so TX kicks
// once per this many frames.
constexpr uint32_t TX_KICK_FRAMES = 32;

thread_local std::string lastLibMessage;

int libPrint(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[512];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (!s.empty()) lastLibMessage = s;
  return n;
}
int xdpPrint(enum libxdp_print_level level, const char* fmt, va_list ap) {
  if (level == LIBXDP_DEBUG) return 0;
  return libPrint(LIBBPF_WARN, fmt, ap);
}

// libxdp without a mounted bpffs attaches its redirect program without a
// dispatcher and leaves it behind when the last socket closes. We remove a
// program we caused to be attached when the last of our sockets on that
// interface closes. Keyed by "netns/ifname"; guarded because workers of one
// process open and close sockets concurrently.
struct ProgUse {
  int sockets = 0;
  uint32_t ownedProgId = 0;  // 0: the program was there before us; leave it
  uint32_t flags = 0;
};
std::mutex progMutex;
std::map<std::string, ProgUse> progUses;

class AfXdpPort : public Port {
 public:
  uint8_t* area = nullptr;
  size_t areaBytes = 0;
  xsk_umem* umem = nullptr;
  xsk_socket* xsk = nullptr;
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  xsk_ring_cons rxr{};
  xsk_ring_prod txr{};
  int fd = -1;
  uint32_t ringSize = 0;
  std::string key;      // progUses key; empty until the socket exists
  std::string netns;
  std::string ifname;
  std::vector<uint64_t> txFree;  // free TX frame addresses (a stack)
  uint32_t txFreeCount = 0;
  uint32_t txOutstanding = 0;    // TX frames submitted and not completed

  ~AfXdpPort() override { close(); }

  // HOT
  void reclaimCompleted() {
    uint32_t idx = 0;
    uint32_t done = xsk_ring_cons__peek(&comp, ringSize, &idx);
    if (done == 0) return;
    for (uint32_t i = 0; i < done; i++) txFree[txFreeCount++] = *xsk_ring_cons__comp_addr(&comp, idx + i);
    xsk_ring_cons__release(&comp, done);
    txOutstanding -= done;
  }

  // HOT
  uint32_t rx(const BurstArrays& b, uint32_t max) override {
    uint32_t idx = 0;
    uint32_t got = xsk_ring_cons__peek(&rxr, max, &idx);
    if (got == 0) {
      // In copy mode the kernel fills RX from its own context; a wake-up is
      // needed only when it says so (need_wakeup on FILL).
      if (xsk_ring_prod__needs_wakeup(&fill)) {
        recvfrom(fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
        counters.kicks++;
      }
      return 0;
    }
    uint32_t fidx = 0;
    // FILL has room for every RX frame, so this reserve cannot come up short.
    xsk_ring_prod__reserve(&fill, got, &fidx);
    const uint32_t room = b.rxRoom();
    uint32_t n = 0;
    for (uint32_t i = 0; i < got; i++) {
      const xdp_desc* d = xsk_ring_cons__rx_desc(&rxr, idx + i);
      uint8_t* dst = b.rxDest(b.handles[n]);
      if (d->len > room || dst == nullptr) {
        counters.rxOversize++;
      } else {
        memcpy(dst, area + d->addr, d->len);
        b.offs[n] = (uint16_t)b.headroom;
        b.lens[n] = (uint16_t)d->len;
        counters.rxBytes += d->len;
        n++;
      }
      *xsk_ring_prod__fill_addr(&fill, fidx + i) = d->addr & ~(uint64_t)(FRAME_BYTES - 1);
    }
    xsk_ring_cons__release(&rxr, got);
    xsk_ring_prod__submit(&fill, got);
    counters.rxFrames += n;
    return n;
  }

  // HOT
  uint32_t tx(const BurstArrays& b, uint32_t n) override {
    reclaimCompleted();
    uint32_t want = n < txFreeCount ? n : txFreeCount;
    uint32_t idx = 0;
    uint32_t slots = want == 0 ? 0 : xsk_ring_prod__reserve(&txr, want, &idx);
    uint32_t used = 0, taken = 0, sinceKick = 0;
    for (uint32_t i = 0; i < n && used < slots; i++) {
      uint32_t len = 0;
      const uint8_t* src = b.txSrc(i, &len);
      taken++;
      if (src == nullptr || len > FRAME_BYTES) { counters.txBadFrame++; continue; }
      uint64_t addr = txFree[--txFreeCount];
      memcpy(area + addr, src, len);
      xdp_desc* d = xsk_ring_prod__tx_desc(&txr, idx + used);
      d->addr = addr;
      d->len = len;
      used++;
      counters.txBytes += len;
    }
    // Bad frames took no slot; give the unused reservation back by
    // submitting only what we wrote (the reserve is just a cached index).
    if (used < slots) txr.cached_prod -= slots - used;
    if (taken < n) counters.txRingFull += n - taken;
    if (used == 0) return taken;
    xsk_ring_prod__submit(&txr, used);
    txOutstanding += used;
    counters.txFrames += used;
    for (sinceKick = 0; sinceKick < used; sinceKick += TX_KICK_FRAMES) {
      sendto(fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0);
      counters.kicks++;
    }
    return taken;
  }

  void refreshStats() override {
    if (fd < 0) return;
    xdp_statistics st{};
    socklen_t sl = sizeof st;
    if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &sl) == 0) {
      // Cumulative in the kernel: keep the latest value.
      counters.kernelDrops = st.rx_dropped + st.rx_ring_full;
    }
  }

  void close() override {
    if (xsk != nullptr) { xsk_socket__delete(xsk); xsk = nullptr; }
    if (umem != nullptr) { xsk_umem__delete(umem); umem = nullptr; }
    if (area != nullptr) { munmap(area, areaBytes); area = nullptr; }
    fd = -1;
    if (key.empty()) return;
    std::lock_guard<std::mutex> lock(progMutex);
    ProgUse& u = progUses[key];
    if (--u.sockets == 0) {
      if (u.ownedProgId != 0) {
        NsGuard ns(netns);
        unsigned ifindex = if_nametoindex(ifname.c_str());
        uint32_t now = 0;
        if (ns.ok() && ifindex != 0 && bpf_xdp_query_id((int)ifindex, 0, &now) == 0 && now == u.ownedProgId) {
          bpf_xdp_detach((int)ifindex, u.flags, nullptr);
        }
      }
      progUses.erase(key);
    }
    key.clear();
  }
};

void sleepMs(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

}  // namespace

std::string afXdpLastLibMessage() { return lastLibMessage; }

void quietXdpLibs() {
  static bool printSet = false;
  if (!printSet) {
    libbpf_set_print(libPrint);
    libxdp_set_print(xdpPrint);
    printSet = true;
  }
}

Port* openAfXdp(const AfXdpOptions& o, OpenError* err) {
  quietXdpLibs();
  lastLibMessage.clear();
  NsGuard ns(o.netns);
  if (!ns.ok()) { *err = ns.error(); return nullptr; }
  unsigned ifindex = if_nametoindex(o.ifname.c_str());
  if (ifindex == 0) {
    err->err = ENODEV;
    err->message = "no interface named " + o.ifname + (o.netns.empty() ? "" : " in network namespace " + o.netns);
    return nullptr;
  }
  if ((o.ringSize & (o.ringSize - 1)) != 0 || o.ringSize < 64) {
    err->err = EINVAL;
    err->message = "ringSize must be a power of two >= 64";
    return nullptr;
  }
  auto* p = new AfXdpPort();
  p->ringSize = o.ringSize;
  p->areaBytes = (size_t)FRAME_BYTES * o.ringSize * 2;
  void* a = mmap(nullptr, p->areaBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (a == MAP_FAILED) {
    err->err = errno;
    err->message = std::string("mmap of the UMEM: ") + strerror(errno);
    delete p;
    return nullptr;
  }
  p->area = (uint8_t*)a;
  xsk_umem_config uc{};
  uc.fill_size = o.ringSize;
  uc.comp_size = o.ringSize;
  uc.frame_size = FRAME_BYTES;
  uc.frame_headroom = 0;
  uc.flags = 0;
  int rc = xsk_umem__create(&p->umem, p->area, p->areaBytes, &p->fill, &p->comp, &uc);
  if (rc != 0) {
    err->err = -rc;
    err->message = std::string("UMEM registration (needs CAP_NET_ADMIN and CAP_IPC_LOCK): ") + strerror(-rc);
    delete p;
    return nullptr;
  }
  xsk_socket_config sc{};
  sc.rx_size = o.ringSize;
  sc.tx_size = o.ringSize;
  sc.libxdp_flags = 0;
  sc.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
  const char* modeName = o.mode.c_str();
  std::vector<uint32_t> tries;
  if (o.mode == "skb") tries.push_back(XDP_FLAGS_SKB_MODE);
  else if (o.mode == "native") tries.push_back(XDP_FLAGS_DRV_MODE);
  else { tries.push_back(XDP_FLAGS_DRV_MODE); tries.push_back(XDP_FLAGS_SKB_MODE); }
  std::unique_lock<std::mutex> lock(progMutex);
  uint32_t progBefore = 0;
  bpf_xdp_query_id((int)ifindex, 0, &progBefore);
  rc = -EINVAL;
  for (size_t t = 0; t < tries.size(); t++) {
    sc.xdp_flags = tries[t];
    // Reopening a queue right after closing it fails with EBUSY for ~20 ms
    // while the kernel tears the old socket down: retry for up to ~200 ms.
    for (int attempt = 0; attempt < 20; attempt++) {
      rc = xsk_socket__create(&p->xsk, o.ifname.c_str(), o.queue, p->umem, &p->rxr, &p->txr, &sc);
      if (rc != -EBUSY) break;
      sleepMs(10);
    }
    if (rc == 0) break;
  }
  if (rc != 0) {
    int e = -rc;
    err->err = e;
    std::string lib = lastLibMessage;
    err->message = std::string("XSK socket on queue ") + std::to_string(o.queue) + " (xdp mode " + modeName + "): " + strerror(e) +
                   (e == EBUSY ? " (another AF_XDP socket or XDP program holds this queue)" : "") +
                   (e == EINVAL ? " (is the queue id within the interface's queues?)" : "") +
                   (lib.empty() ? "" : "; libxdp: " + lib);
    delete p;
    return nullptr;
  }
  p->fd = xsk_socket__fd(p->xsk);
  p->netns = o.netns;
  p->ifname = o.ifname;
  p->key = o.netns + "/" + o.ifname;
  ProgUse& use = progUses[p->key];
  if (use.sockets++ == 0) {
    uint32_t progAfter = 0;
    bpf_xdp_query_id((int)ifindex, 0, &progAfter);
    use.ownedProgId = progBefore == 0 ? progAfter : 0;
    use.flags = sc.xdp_flags;
  }
  lock.unlock();
  // Every RX frame goes on FILL; every TX frame on the free stack.
  uint32_t idx = 0;
  xsk_ring_prod__reserve(&p->fill, o.ringSize, &idx);
  for (uint32_t i = 0; i < o.ringSize; i++) *xsk_ring_prod__fill_addr(&p->fill, idx + i) = (uint64_t)i * FRAME_BYTES;
  xsk_ring_prod__submit(&p->fill, o.ringSize);
  p->txFree.resize(o.ringSize);
  for (uint32_t i = 0; i < o.ringSize; i++) p->txFree[i] = (uint64_t)(o.ringSize + i) * FRAME_BYTES;
  p->txFreeCount = o.ringSize;
  return p;
}
