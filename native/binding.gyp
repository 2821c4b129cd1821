{
  # Built by native/build.mjs (npm's install script), which detects the
  # prerequisites and passes -Demu_afxdp=1 when libxdp and libbpf exist.
  "variables": { "emu_afxdp%": "0", "emu_dpdk%": "0" },
  "targets": [
    {
      "target_name": "emu_native",
      "sources": ["src/addon.cc", "src/af_packet.cc", "src/netns.cc", "src/errors.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "conditions": [
        ["emu_afxdp==1", {
          "sources": ["src/af_xdp.cc"],
          "defines": ["EMU_HAVE_AFXDP"],
          "libraries": ["-lxdp", "-lbpf"]
        }],
        ["emu_dpdk==1", {
          "sources": ["src/dpdk.cc"],
          "defines": ["EMU_HAVE_DPDK"],
          "cflags_cc": ["<!@(pkg-config --cflags libdpdk)"],
          "libraries": ["<!@(pkg-config --libs libdpdk)"]
        }]
      ]
    },
    {
      # The C++ reference forwarder and traffic source for bench/hw-forward.mjs.
      "target_name": "emu-ref",
      "type": "executable",
      "sources": ["src/ref_tool.cc", "src/af_packet.cc", "src/netns.cc", "src/errors.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [
        ["emu_afxdp==1", {
          "sources": ["src/af_xdp.cc"],
          "defines": ["EMU_HAVE_AFXDP"],
          "libraries": ["-lxdp", "-lbpf"]
        }],
        ["emu_dpdk==1", {
          "sources": ["src/dpdk.cc"],
          "defines": ["EMU_HAVE_DPDK"],
          "cflags_cc": ["<!@(pkg-config --cflags libdpdk)"],
          "libraries": ["<!@(pkg-config --libs libdpdk)"]
        }]
      ]
    }
  ]
}
