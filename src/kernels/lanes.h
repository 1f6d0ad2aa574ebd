// Loading and storing a kernel's elements as Highway vectors of its computing type (bfloat16 in
// float32 lanes, rounded to nearest even at the store), shared by the activation and elementwise
// kernels. Included inside namespace ramp::kernels::RAMP_ISA after <hwy/highway.h>, with
// `hn` naming Highway's namespace, so each instruction set gets its own copy.
#pragma once

// Element storage type E computed in lanes of type T (bfloat16 is computed in float32).
template <class E> struct Lanes {
  using T = E;
  using D = hn::ScalableTag<T>;
  static hn::Vec<D> load(D d, const E* p) { return hn::LoadU(d, p); }
  static void store(hn::Vec<D> v, D d, E* p) { hn::StoreU(v, d, p); }
  static void stream(hn::Vec<D> v, D d, E* p) { hn::Stream(v, d, p); }
#if HWY_TARGET == HWY_AVX3
  // AVX-512 masked accesses never fault on the masked-off lanes, so a tail is one load/store.
  static constexpr bool kMaskedTail = true;
  static hn::Vec<D> load_n(D d, const E* p, std::size_t n) { return hn::MaskedLoad(hn::FirstN(d, n), d, p); }
  static void store_n(hn::Vec<D> v, D d, E* p, std::size_t n) { hn::BlendedStore(v, hn::FirstN(d, n), d, p); }
#else
  static constexpr bool kMaskedTail = false;
#endif
};
template <> struct Lanes<BFloat16> {
  using T = float;
  using D = hn::ScalableTag<float>;
  static hn::Vec<D> load(D d, const BFloat16* p) {
    const hn::Rebind<hwy::bfloat16_t, D> dbf;
    return hn::PromoteTo(d, hn::LoadU(dbf, reinterpret_cast<const hwy::bfloat16_t*>(p)));
  }
  // Round to nearest even like c10::BFloat16 (Highway's DemoteTo truncates); NaN -> 0x7fc0.
  static auto round(D, hn::Vec<D> v) {
    const hn::RebindToSigned<D> di;
    const hn::Rebind<std::uint16_t, D> du16;
    auto bits = hn::BitCast(di, v);
    auto lsb = hn::And(hn::ShiftRight<16>(bits), hn::Set(di, 1));
    auto r = hn::ShiftRight<16>(hn::Add(bits, hn::Add(hn::Set(di, 0x7fff), lsb)));
    r = hn::And(r, hn::Set(di, 0xffff));
    r = hn::IfThenElse(hn::RebindMask(di, hn::IsNaN(v)), hn::Set(di, 0x7fc0), r);
    return hn::DemoteTo(du16, r);
  }
  static void store(hn::Vec<D> v, D d, BFloat16* p) {
    const hn::Rebind<std::uint16_t, D> du16;
    hn::StoreU(round(d, v), du16, reinterpret_cast<std::uint16_t*>(p));
  }
  static void stream(hn::Vec<D> v, D d, BFloat16* p) { store(v, d, p); }
#if HWY_TARGET == HWY_AVX3
  static constexpr bool kMaskedTail = true;
  static hn::Vec<D> load_n(D d, const BFloat16* p, std::size_t n) {
    const hn::Rebind<hwy::bfloat16_t, D> dbf;
    auto raw = reinterpret_cast<const hwy::bfloat16_t*>(p);
    return hn::PromoteTo(d, hn::MaskedLoad(hn::FirstN(dbf, n), dbf, raw));
  }
  static void store_n(hn::Vec<D> v, D d, BFloat16* p, std::size_t n) {
    const hn::Rebind<std::uint16_t, D> du16;
    hn::BlendedStore(round(d, v), hn::FirstN(du16, n), du16, reinterpret_cast<std::uint16_t*>(p));
  }
#else
  static constexpr bool kMaskedTail = false;
#endif
};
