// AF_PACKET backend: one packet socket with a TPACKET_V3 RX ring (blocks the
// kernel fills and retires) and a TX ring of fixed frames, both mmap'ed.
// Frame ownership on each ring is in native/README.md; in short:
//   RX block: kernel owns it while block_status has TP_STATUS_KERNEL; the
//     addon owns it from TP_STATUS_USER until it has copied every frame out
//     and stores TP_STATUS_KERNEL back (release).
//   TX frame: the addon owns a frame whose tp_status is TP_STATUS_AVAILABLE;
//     storing TP_STATUS_SEND_REQUEST (release) hands it to the kernel, which
//     hands it back by storing TP_STATUS_AVAILABLE once the skb is freed.
// Pool slots never enter either ring: rx copies out of the ring into slots
// JS allocated; tx copies out of slots into ring frames.
#include "af_packet.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"

namespace {

constexpr uint32_t BLOCK_BYTES = 1 << 16;
constexpr uint32_t FRAME_BYTES = 2048;
// Data of a TX frame starts right after the aligned V3 header (the kernel
// reads it at tp_hdrlen - sizeof(sockaddr_ll) when no offset is given).
constexpr uint32_t TX_DATA_OFF = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));

inline uint32_t loadAcquire(volatile uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void storeRelease(volatile uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

class AfPacketPort : public Port {
 public:
  int fd = -1;
  uint8_t* map = nullptr;
  size_t mapBytes = 0;
  uint8_t* rxRing = nullptr;
  uint32_t rxBlocks = 0;
  uint8_t* txRing = nullptr;
  uint32_t txFrames = 0;
  // RX cursor: the block being read, and the next frame in it.
  uint32_t blk = 0;
  bool inBlock = false;
  uint32_t left = 0;
  uint8_t* next = nullptr;
  uint32_t txIdx = 0;

  ~AfPacketPort() override { close(); }

  tpacket_block_desc* block(uint32_t i) { return (tpacket_block_desc*)(rxRing + (size_t)i * BLOCK_BYTES); }

  void releaseBlock() {
    storeRelease(&block(blk)->hdr.bh1.block_status, TP_STATUS_KERNEL);
    blk = blk + 1 == rxBlocks ? 0 : blk + 1;
    inBlock = false;
  }

  // HOT
  uint32_t rx(const BurstArrays& b, uint32_t max) override {
    if (rxBlocks == 0) return 0;
    uint32_t n = 0;
    const uint32_t room = b.rxRoom();
    while (n < max) {
      if (!inBlock) {
        tpacket_block_desc* bd = block(blk);
        if (!(loadAcquire(&bd->hdr.bh1.block_status) & TP_STATUS_USER)) break;
        left = bd->hdr.bh1.num_pkts;
        next = (uint8_t*)bd + bd->hdr.bh1.offset_to_first_pkt;
        inBlock = true;
        if (left == 0) { releaseBlock(); continue; }
      }
      tpacket3_hdr* h = (tpacket3_hdr*)next;
      uint32_t len = h->tp_snaplen;
      if (h->tp_snaplen < h->tp_len) counters.rxTruncated++;
      uint8_t* dst = b.rxDest(b.handles[n]);
      if (len > room || dst == nullptr) {
        counters.rxOversize++;
      } else {
        memcpy(dst, next + h->tp_mac, len);
        b.offs[n] = (uint16_t)b.headroom;
        b.lens[n] = (uint16_t)len;
        counters.rxBytes += len;
        n++;
      }
      next += h->tp_next_offset;
      if (--left == 0) releaseBlock();
    }
    counters.rxFrames += n;
    return n;
  }

  // HOT
  uint32_t tx(const BurstArrays& b, uint32_t n) override {
    uint32_t taken = 0;
    for (uint32_t i = 0; i < n; i++) {
      tpacket3_hdr* h = (tpacket3_hdr*)(txRing + (size_t)txIdx * FRAME_BYTES);
      uint32_t st = loadAcquire(&h->tp_status);
      if (st & TP_STATUS_WRONG_FORMAT) {
        counters.txBadFrame++;
        st = TP_STATUS_AVAILABLE;
      }
      if (st != TP_STATUS_AVAILABLE) {
        counters.txRingFull += n - i;
        break;
      }
      uint32_t len = 0;
      const uint8_t* src = b.txSrc(i, &len);
      if (src == nullptr || len > FRAME_BYTES - TX_DATA_OFF) {
        // Taken and dropped: JS frees it like a sent frame; the counter says so.
        counters.txBadFrame++;
        taken++;
        continue;
      }
      memcpy((uint8_t*)h + TX_DATA_OFF, src, len);
      h->tp_len = len;
      h->tp_snaplen = len;
      h->tp_next_offset = 0;
      storeRelease(&h->tp_status, TP_STATUS_SEND_REQUEST);
      txIdx = txIdx + 1 == txFrames ? 0 : txIdx + 1;
      counters.txBytes += len;
      counters.txFrames++;
      taken++;
    }
    if (taken > 0) {
      // One syscall per burst: the kernel sends every frame marked SEND_REQUEST.
      sendto(fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0);
      counters.kicks++;
    }
    return taken;
  }

  void refreshStats() override {
    if (fd < 0) return;
    tpacket_stats_v3 st{};
    socklen_t sl = sizeof st;
    // Reading resets the kernel's counters, so accumulate.
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) counters.kernelDrops += st.tp_drops;
  }

  void close() override {
    if (map != nullptr) { munmap(map, mapBytes); map = nullptr; }
    if (fd >= 0) { ::close(fd); fd = -1; }
  }
};

Port* fail(AfPacketPort* p, OpenError* err, int e, const std::string& what) {
  err->err = e;
  err->message = what + ": " + strerror(e);
  delete p;
  return nullptr;
}

}  // namespace

Port* openAfPacket(const AfPacketOptions& o, OpenError* err) {
  NsGuard ns(o.netns);
  if (!ns.ok()) { *err = ns.error(); return nullptr; }
  unsigned ifindex = if_nametoindex(o.ifname.c_str());
  if (ifindex == 0) {
    err->err = ENODEV;
    err->message = "no interface named " + o.ifname + (o.netns.empty() ? "" : " in network namespace " + o.netns);
    return nullptr;
  }
  auto* p = new AfPacketPort();
  // Protocol 0 until the rings exist: nothing is queued before bind.
  p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (p->fd < 0) return fail(p, err, errno, "socket(AF_PACKET) (needs CAP_NET_RAW)");
  int v = TPACKET_V3;
  if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) != 0) return fail(p, err, errno, "PACKET_VERSION TPACKET_V3");
  int one = 1;
  // Our own transmissions would otherwise come back on our RX ring.
  if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) return fail(p, err, errno, "PACKET_IGNORE_OUTGOING");
  if (o.qdiscBypass) setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);

  tpacket_req3 rxq{};
  if (!o.txOnly) {
    rxq.tp_block_size = BLOCK_BYTES;
    rxq.tp_block_nr = o.rxBlocks;
    rxq.tp_frame_size = FRAME_BYTES;
    rxq.tp_frame_nr = (BLOCK_BYTES / FRAME_BYTES) * o.rxBlocks;
    rxq.tp_retire_blk_tov = 1;  // ms: a partly filled block reaches us within ~1 ms
    if (setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, &rxq, sizeof rxq) != 0) return fail(p, err, errno, "PACKET_RX_RING");
  }
  tpacket_req3 txq{};
  uint32_t perBlock = BLOCK_BYTES / FRAME_BYTES;
  txq.tp_block_size = BLOCK_BYTES;
  txq.tp_block_nr = (o.txFrames + perBlock - 1) / perBlock;
  txq.tp_frame_size = FRAME_BYTES;
  txq.tp_frame_nr = txq.tp_block_nr * perBlock;
  if (setsockopt(p->fd, SOL_PACKET, PACKET_TX_RING, &txq, sizeof txq) != 0) return fail(p, err, errno, "PACKET_TX_RING");

  size_t rxBytes = (size_t)BLOCK_BYTES * rxq.tp_block_nr;
  size_t txBytes = (size_t)BLOCK_BYTES * txq.tp_block_nr;
  p->mapBytes = rxBytes + txBytes;
  void* m = mmap(nullptr, p->mapBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED | MAP_POPULATE, p->fd, 0);
  if (m == MAP_FAILED) m = mmap(nullptr, p->mapBytes, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
  if (m == MAP_FAILED) { p->map = nullptr; return fail(p, err, errno, "mmap of the packet rings"); }
  p->map = (uint8_t*)m;
  p->rxRing = p->map;
  p->rxBlocks = rxq.tp_block_nr;
  p->txRing = p->map + rxBytes;
  p->txFrames = txq.tp_frame_nr;

  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = o.txOnly ? 0 : htons(ETH_P_ALL);
  sll.sll_ifindex = (int)ifindex;
  if (bind(p->fd, (sockaddr*)&sll, sizeof sll) != 0) return fail(p, err, errno, "bind to " + o.ifname);
  if (o.fanoutGroup != 0 && !o.txOnly) {
    int fan = (int)((o.fanoutGroup & 0xffff) | (PACKET_FANOUT_HASH << 16));
    if (setsockopt(p->fd, SOL_PACKET, PACKET_FANOUT, &fan, sizeof fan) != 0) return fail(p, err, errno, "PACKET_FANOUT group " + std::to_string(o.fanoutGroup));
  }
  return p;
}
