// N-API entry: open(backend, options) -> NativePort with rx(max) / tx(n) /
// stats() / close(). See burst.h for the burst contract and README.md for
// frame ownership. Open and close are COLD and may throw; rx and tx are HOT:
// one call per burst, integers in and out, no JS object per packet.
#include <napi.h>

#include <string>

#include "af_packet.h"
#include "burst.h"
#include "errors.h"
#ifdef EMU_HAVE_AFXDP
#include "af_xdp.h"
#endif
#ifdef EMU_HAVE_DPDK
#include "dpdk.h"
#endif

namespace {

std::string optString(const Napi::Object& o, const char* key, const std::string& def) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : def;
}
uint32_t optU32(const Napi::Object& o, const char* key, uint32_t def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : def;
}

class NativePort : public Napi::ObjectWrap<NativePort> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativePort", {
      InstanceMethod("rx", &NativePort::Rx),
      InstanceMethod("tx", &NativePort::Tx),
      InstanceMethod("stats", &NativePort::Stats),
      InstanceMethod("close", &NativePort::Close),
    });
  }
  NativePort(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativePort>(info) {}
  ~NativePort() override {
    if (port_ != nullptr) { port_->close(); delete port_; }
  }

  // COLD: takes ownership of p and pins the burst arrays for the port's life.
  // RX and TX have separate handle/offset/length arrays (JS keeps allocated
  // RX slots in its RX handles between calls) over the same pool.
  void Attach(Port* p, const Napi::Object& o) {
    port_ = p;
    Napi::Uint8Array pool = o.Get("poolBytes").As<Napi::Uint8Array>();
    refs_[0] = Napi::Persistent(pool.As<Napi::Object>());
    BindSide(o, pool, "handles", "offs", "lens", rx_, 1);
    BindSide(o, pool, "txHandles", "txOffs", "txLens", tx_, 4);
  }

 private:
  Port* port_ = nullptr;
  BurstArrays rx_;
  BurstArrays tx_;
  Napi::ObjectReference refs_[7];

  void BindSide(const Napi::Object& o, Napi::Uint8Array pool, const char* hk, const char* ok, const char* lk, BurstArrays& b, int ref) {
    Napi::Uint32Array handles = o.Get(hk).As<Napi::Uint32Array>();
    Napi::Uint16Array offs = o.Get(ok).As<Napi::Uint16Array>();
    Napi::Uint16Array lens = o.Get(lk).As<Napi::Uint16Array>();
    refs_[ref] = Napi::Persistent(handles.As<Napi::Object>());
    refs_[ref + 1] = Napi::Persistent(offs.As<Napi::Object>());
    refs_[ref + 2] = Napi::Persistent(lens.As<Napi::Object>());
    b.pool = pool.Data();
    b.poolBytes = pool.ByteLength();
    b.slotBytes = optU32(o, "slotBytes", 2048);
    b.headroom = optU32(o, "headroom", 128);
    b.handles = handles.Data();
    b.offs = offs.Data();
    b.lens = lens.Data();
    size_t cap = handles.ElementLength();
    if (offs.ElementLength() < cap) cap = offs.ElementLength();
    if (lens.ElementLength() < cap) cap = lens.ElementLength();
    b.capacity = (uint32_t)cap;
  }

  static uint32_t Count(const Napi::CallbackInfo& info, const BurstArrays& b) {
    uint32_t n = info[0].As<Napi::Number>().Uint32Value();
    return n < b.capacity ? n : b.capacity;
  }
  // HOT
  Napi::Value Rx(const Napi::CallbackInfo& info) {
    if (port_ == nullptr) return Napi::Number::New(info.Env(), 0);
    return Napi::Number::New(info.Env(), port_->rx(rx_, Count(info, rx_)));
  }
  // HOT
  Napi::Value Tx(const Napi::CallbackInfo& info) {
    if (port_ == nullptr) return Napi::Number::New(info.Env(), 0);
    return Napi::Number::New(info.Env(), port_->tx(tx_, Count(info, tx_)));
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object s = Napi::Object::New(info.Env());
    if (port_ == nullptr) return s;
    port_->refreshStats();
    const PortCounters& c = port_->counters;
    s.Set("rxFrames", (double)c.rxFrames);
    s.Set("rxBytes", (double)c.rxBytes);
    s.Set("txFrames", (double)c.txFrames);
    s.Set("txBytes", (double)c.txBytes);
    s.Set("rxOversize", (double)c.rxOversize);
    s.Set("rxTruncated", (double)c.rxTruncated);
    s.Set("txBadFrame", (double)c.txBadFrame);
    s.Set("txRingFull", (double)c.txRingFull);
    s.Set("kernelDrops", (double)c.kernelDrops);
    s.Set("kicks", (double)c.kicks);
    return s;
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (port_ != nullptr) {
      port_->refreshStats();
      port_->close();
      delete port_;
      port_ = nullptr;
    }
    for (auto& r : refs_) r.Reset();
    return info.Env().Undefined();
  }
};

Napi::Error openError(Napi::Env env, const std::string& backend, const std::string& ifname, const OpenError& e) {
  Napi::Error err = Napi::Error::New(env, backend + ": cannot open " + ifname + ": " + e.message);
  const char* code = errnoName(e.err);
  if (code[0] != 0) err.Set("code", Napi::String::New(env, code));
  err.Set("errno", Napi::Number::New(env, e.err));
  return err;
}

Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string backend = info[0].As<Napi::String>().Utf8Value();
  Napi::Object o = info[1].As<Napi::Object>();
  std::string ifname = optString(o, "ifname", "");
  std::string netns = optString(o, "netns", "");
  OpenError e{0, ""};
  Port* p = nullptr;
  if (backend == "afpacket") {
    AfPacketOptions ao;
    ao.ifname = ifname;
    ao.netns = netns;
    ao.rxBlocks = optU32(o, "rxBlocks", 64);
    ao.txFrames = optU32(o, "txFrames", 512);
    ao.txOnly = o.Get("txOnly").ToBoolean().Value();
    ao.fanoutGroup = optU32(o, "fanoutGroup", 0);
    p = openAfPacket(ao, &e);
  } else if (backend == "afxdp") {
#ifdef EMU_HAVE_AFXDP
    AfXdpOptions xo;
    xo.ifname = ifname;
    xo.netns = netns;
    xo.queue = optU32(o, "queue", 0);
    xo.mode = optString(o, "xdpMode", "auto");
    xo.ringSize = optU32(o, "ringSize", 2048);
    p = openAfXdp(xo, &e);
#else
    e = {EOPNOTSUPP, "the addon was built without AF_XDP (libxdp/libbpf not found at build time)"};
#endif
  } else if (backend == "dpdk") {
#ifdef EMU_HAVE_DPDK
    DpdkOptions d;
    d.ifname = ifname;
    d.netns = netns;
    d.queue = optU32(o, "queue", 0);
    d.driver = optString(o, "dpdkDriver", "af_packet");
    p = openDpdk(d, &e);
#else
    e = {EOPNOTSUPP, "the addon was built without DPDK (libdpdk not found at build time)"};
#endif
  } else {
    e = {EINVAL, "unknown backend " + backend};
  }
  if (p == nullptr) {
    openError(env, backend, ifname, e).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // Each thread (main or worker) has its own env and so its own constructor.
  Napi::Object obj = env.GetInstanceData<Napi::FunctionReference>()->New({});
  NativePort::Unwrap(obj)->Attach(p, o);
  return obj;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* ref = new Napi::FunctionReference(Napi::Persistent(NativePort::Define(env)));
  env.SetInstanceData<Napi::FunctionReference>(ref);
  exports.Set("open", Napi::Function::New(env, Open));
  Napi::Object backends = Napi::Object::New(env);
  backends.Set("afpacket", true);
#ifdef EMU_HAVE_AFXDP
  backends.Set("afxdp", true);
#else
  backends.Set("afxdp", false);
#endif
#ifdef EMU_HAVE_DPDK
  backends.Set("dpdk", true);
#else
  backends.Set("dpdk", false);
#endif
  exports.Set("backends", backends);
  return exports;
}

}  // namespace

NODE_API_MODULE(emu_native, Init)
