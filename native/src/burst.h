// Burst arrays shared with JavaScript: the only data path between JS and the
// addon. See native/README.md for the frame-ownership contract.
//
// JS binds, once per port (COLD), the packet pool's data SharedArrayBuffer
// and three small typed arrays of `capacity` entries:
//   handles[i]  u32  pool slot of the i-th frame of the burst
// (one such set for rx, another — txHandles/txOffs/txLens in JS — for tx)
//   offs[i]     u16  offset of the frame's first byte inside its slot
//   lens[i]     u16  frame length in bytes
// rx(max): the addon copies up to `max` received frames into the slots named
//   by handles[0..max) (JS allocated them), writing offs[i] = headroom and
//   lens[i]; returns how many it filled. Handles past the count stay JS's.
// tx(n): the addon copies frames handles[0..n) (offs/lens set by JS) onto the
//   wire ring; returns how many it took. Every frame it took is already
//   copied when tx returns, so JS may free those slots at once; frames past
//   the count were not taken (JS drops or retries them).
// No call allocates, and no JS object is created per packet.
#pragma once
#include <cstddef>
#include <cstdint>

struct BurstArrays {
  uint8_t* pool = nullptr;   // data SAB of the packet pool
  size_t poolBytes = 0;
  uint32_t slotBytes = 2048;
  uint32_t headroom = 128;
  uint32_t* handles = nullptr;
  uint16_t* offs = nullptr;
  uint16_t* lens = nullptr;
  uint32_t capacity = 0;     // entries in handles/offs/lens

  // HOT: start of slot h's frame area for RX, or nullptr if h is out of the pool.
  inline uint8_t* rxDest(uint32_t h) const {
    size_t at = (size_t)h * slotBytes;
    if (at + slotBytes > poolBytes) return nullptr;
    return pool + at + headroom;
  }
  // HOT: frame i of a TX burst, or nullptr if it does not lie inside its slot.
  inline const uint8_t* txSrc(uint32_t i, uint32_t* lenOut) const {
    size_t at = (size_t)handles[i] * slotBytes;
    uint32_t off = offs[i], len = lens[i];
    if (at + slotBytes > poolBytes || off + len > slotBytes) return nullptr;
    *lenOut = len;
    return pool + at + off;
  }
  inline uint32_t rxRoom() const { return slotBytes - headroom; }
};

// Counters every backend keeps (plain integers, read by stats()).
struct PortCounters {
  uint64_t rxFrames = 0, rxBytes = 0, txFrames = 0, txBytes = 0;
  uint64_t rxOversize = 0;    // frame longer than a pool slot's room: dropped
  uint64_t rxTruncated = 0;   // kernel delivered fewer bytes than the frame had
  uint64_t txBadFrame = 0;    // JS handed a frame outside its slot or too long for the ring
  uint64_t txRingFull = 0;    // frames not taken because the TX ring had no room
  uint64_t kernelDrops = 0;   // drops the kernel reports (socket statistics)
  uint64_t kicks = 0;         // syscalls issued to make the kernel move frames
};

class Port {
 public:
  virtual ~Port() {}
  virtual uint32_t rx(const BurstArrays& b, uint32_t max) = 0;
  virtual uint32_t tx(const BurstArrays& b, uint32_t n) = 0;
  virtual void close() = 0;
  // COLD: refresh kernel-side counters (kernelDrops) into counters.
  virtual void refreshStats() {}
  PortCounters counters;
};
