// DPDK backend: the EAL without hugepages or PCI (`--no-huge -m 256
// --no-pci --no-shconf`), and one virtual device per port — the net_af_packet
// or net_af_xdp poll-mode driver on a kernel interface — hot-plugged at open.
//
// Threads. rte_eal_init pins the calling thread and may run once per
// process, so it runs on a thread this file creates (parked afterwards),
// never on a Node thread. A thread that polls a port must be known to the
// EAL (rte_thread_register): rx/tx register the calling thread on first use.
//
// Frame ownership (also native/README.md): rx takes mbufs from the PMD,
// copies each into the pool slot JS lent, and frees the mbuf before
// returning; tx copies each frame into a fresh mbuf from the port's mempool
// and hands the mbufs to the PMD, which frees them after sending; mbufs the
// PMD did not take are freed here at once, and the count says which frames
// JS still owns. Pool slots never enter DPDK.
#include "dpdk.h"

#include <condition_variable>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <net/if.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "netns.h"
#ifdef EMU_HAVE_AFXDP
#include <bpf/libbpf.h>
#include "af_xdp.h"
#endif

namespace {

constexpr uint16_t RING_DESCS = 1024;
constexpr unsigned POOL_MBUFS = 4095;
constexpr uint32_t MAX_BURST = 64;

std::mutex ealMutex;
bool ealTried = false;
int ealError = 0;
std::string ealMessage;
unsigned vdevSeq = 0;

// COLD: runs rte_eal_init once, on its own thread, and waits for it.
bool ensureEal(OpenError* err) {
  std::unique_lock<std::mutex> lock(ealMutex);
  if (!ealTried) {
    ealTried = true;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread([&]() {
      // The EAL parses argv in place: keep the strings alive.
      std::vector<std::string> args = {"emu", "--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry", "--log-level=lib.eal:error"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      int rc = rte_eal_init((int)argv.size(), argv.data());
      {
        std::lock_guard<std::mutex> g(m);
        if (rc < 0) {
          ealError = rte_errno;
          ealMessage = std::string("rte_eal_init: ") + rte_strerror(rte_errno);
        }
        done = true;
      }
      cv.notify_one();
      // This is the EAL's main lcore: park it for the life of the process.
      for (;;) std::this_thread::sleep_for(std::chrono::hours(24));
    }).detach();
    std::unique_lock<std::mutex> w(m);
    cv.wait(w, [&] { return done; });
  }
  if (ealError != 0 || !ealMessage.empty()) {
    err->err = ealError;
    err->message = ealMessage + " (the EAL can be started once per process)";
    return false;
  }
  return true;
}

// Registers the calling thread with the EAL on first use and unregisters it
// when the thread exits (lcore ids are a small, fixed set).
struct ThreadRegistration {
  bool registered = false;
  bool done = false;
  ~ThreadRegistration() {
    if (registered) rte_thread_unregister();
  }
};
thread_local ThreadRegistration threadReg;

inline void registerThread() {
  if (threadReg.done) return;
  threadReg.done = true;
  // Non-EAL threads get an lcore id here; PMDs such as af_xdp miss most
  // frames without one.
  if (rte_lcore_id() == LCORE_ID_ANY && rte_thread_register() == 0) threadReg.registered = true;
}

class DpdkPort : public Port {
 public:
  uint16_t portId = 0;
  std::string devName;
  rte_mempool* pool = nullptr;
  bool started = false;
  rte_mbuf* bufs[MAX_BURST];
  // af_xdp PMD: the XDP program it attached, which DPDK 22.11 leaves behind
  // without a bpffs; removed on close if still attached.
  std::string netns;
  std::string ifname;
  uint32_t ownedProg = 0;

  ~DpdkPort() override { close(); }

  // HOT
  uint32_t rx(const BurstArrays& b, uint32_t max) override {
    registerThread();
    if (max > MAX_BURST) max = MAX_BURST;
    uint16_t got = rte_eth_rx_burst(portId, 0, bufs, (uint16_t)max);
    const uint32_t room = b.rxRoom();
    uint32_t n = 0;
    for (uint16_t i = 0; i < got; i++) {
      rte_mbuf* m = bufs[i];
      uint32_t len = rte_pktmbuf_pkt_len(m);
      uint8_t* dst = b.rxDest(b.handles[n]);
      if (len > room || dst == nullptr || m->nb_segs != 1) {
        counters.rxOversize++;
      } else {
        memcpy(dst, rte_pktmbuf_mtod(m, const uint8_t*), len);
        b.offs[n] = (uint16_t)b.headroom;
        b.lens[n] = (uint16_t)len;
        counters.rxBytes += len;
        n++;
      }
      rte_pktmbuf_free(m);
    }
    counters.rxFrames += n;
    return n;
  }

  // HOT
  uint32_t tx(const BurstArrays& b, uint32_t n) override {
    registerThread();
    if (n > MAX_BURST) n = MAX_BURST;
    if (n == 0) return 0;
    if (rte_pktmbuf_alloc_bulk(pool, bufs, n) != 0) {
      counters.txRingFull += n;
      return 0;
    }
    uint32_t ok = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t len = 0;
      const uint8_t* src = b.txSrc(i, &len);
      char* dst = src == nullptr ? nullptr : rte_pktmbuf_append(bufs[i], (uint16_t)len);
      if (dst == nullptr) {
        // Counted and freed below; JS frees the frame like a sent one.
        counters.txBadFrame++;
        rte_pktmbuf_free(bufs[i]);
        bufs[i] = nullptr;
        continue;
      }
      memcpy(dst, src, len);
      counters.txBytes += len;
      bufs[ok++] = bufs[i];
    }
    uint16_t sent = rte_eth_tx_burst(portId, 0, bufs, (uint16_t)ok);
    for (uint32_t i = sent; i < ok; i++) rte_pktmbuf_free(bufs[i]);
    counters.txFrames += sent;
    if (sent < ok) {
      counters.txRingFull += ok - sent;
      // Frames past the first unsent one stay JS's. Bad frames before it
      // were dropped: count them as taken.
      uint32_t taken = 0, good = 0;
      for (uint32_t i = 0; i < n && good < sent; i++) {
        uint32_t len = 0;
        taken++;
        if (b.txSrc(i, &len) != nullptr) good++;
      }
      return taken;
    }
    return n;
  }

  void refreshStats() override {
    rte_eth_stats st{};
    if (rte_eth_stats_get(portId, &st) == 0) counters.kernelDrops = st.imissed + st.rx_nombuf;
  }

  void close() override {
    if (started) { rte_eth_dev_stop(portId); started = false; }
    if (!devName.empty()) {
      rte_eth_dev_close(portId);
      rte_eal_hotplug_remove("vdev", devName.c_str());
      devName.clear();
    }
    if (pool != nullptr) { rte_mempool_free(pool); pool = nullptr; }
#ifdef EMU_HAVE_AFXDP
    if (ownedProg != 0) {
      NsGuard ns(netns);
      unsigned ifindex = if_nametoindex(ifname.c_str());
      uint32_t now = 0;
      if (ns.ok() && ifindex != 0 && bpf_xdp_query_id((int)ifindex, 0, &now) == 0 && now == ownedProg) {
        bpf_xdp_detach((int)ifindex, 0, nullptr);
      }
      ownedProg = 0;
    }
#endif
  }
};

Port* fail(DpdkPort* p, OpenError* err, int e, const std::string& what) {
  err->err = e < 0 ? -e : e;
  err->message = what + ": " + rte_strerror(err->err);
  delete p;
  return nullptr;
}

}  // namespace

Port* openDpdk(const DpdkOptions& o, OpenError* err) {
  if (o.driver != "af_packet" && o.driver != "af_xdp") {
    err->err = EINVAL;
    err->message = "dpdkDriver must be af_packet or af_xdp, got " + o.driver;
    return nullptr;
  }
#ifdef EMU_HAVE_AFXDP
  if (o.driver == "af_xdp") quietXdpLibs();
#endif
  if (!ensureEal(err)) return nullptr;
  NsGuard ns(o.netns);
  if (!ns.ok()) { *err = ns.error(); return nullptr; }
  if (if_nametoindex(o.ifname.c_str()) == 0) {
    err->err = ENODEV;
    err->message = "no interface named " + o.ifname + (o.netns.empty() ? "" : " in network namespace " + o.netns);
    return nullptr;
  }
  auto* p = new DpdkPort();
  p->netns = o.netns;
  p->ifname = o.ifname;
#ifdef EMU_HAVE_AFXDP
  uint32_t progBefore = 0;
  bpf_xdp_query_id((int)if_nametoindex(o.ifname.c_str()), 0, &progBefore);
#endif
  unsigned seq;
  {
    std::lock_guard<std::mutex> g(ealMutex);
    seq = vdevSeq++;
  }
  std::string name = "net_" + o.driver + "_emu" + std::to_string(seq);
  std::string devargs = name + ",iface=" + o.ifname;
  if (o.driver == "af_xdp") devargs += ",start_queue=" + std::to_string(o.queue) + ",queue_count=1";
  else devargs += ",qpairs=1";
  // The PMD opens its socket here, in this thread's (possibly borrowed) namespace.
  int rc = rte_dev_probe(devargs.c_str());
  if (rc != 0) return fail(p, err, rc, "DPDK vdev " + devargs);
  p->devName = name;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &p->portId) != 0) return fail(p, err, ENODEV, "DPDK port " + name);
  p->pool = rte_pktmbuf_pool_create(("emu_pool" + std::to_string(seq)).c_str(), POOL_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (p->pool == nullptr) return fail(p, err, rte_errno, "mbuf pool");
  rte_eth_conf conf{};
  if ((rc = rte_eth_dev_configure(p->portId, 1, 1, &conf)) != 0) return fail(p, err, rc, "rte_eth_dev_configure");
  uint16_t rxd = RING_DESCS, txd = RING_DESCS;
  rte_eth_dev_adjust_nb_rx_tx_desc(p->portId, &rxd, &txd);
  if ((rc = rte_eth_rx_queue_setup(p->portId, 0, rxd, SOCKET_ID_ANY, nullptr, p->pool)) != 0) return fail(p, err, rc, "rx queue setup");
  if ((rc = rte_eth_tx_queue_setup(p->portId, 0, txd, SOCKET_ID_ANY, nullptr)) != 0) return fail(p, err, rc, "tx queue setup");
  if ((rc = rte_eth_dev_start(p->portId)) != 0) return fail(p, err, rc, "rte_eth_dev_start");
  p->started = true;
  rte_eth_promiscuous_enable(p->portId);
#ifdef EMU_HAVE_AFXDP
  uint32_t progAfter = 0;
  bpf_xdp_query_id((int)if_nametoindex(o.ifname.c_str()), 0, &progAfter);
  if (progBefore == 0) p->ownedProg = progAfter;
#endif
  return p;
}
