//! A fast non-cryptographic hasher (FNV-1a, 64 bits) for the engine's short string keys
//! (requirement IDs, NRUs). Inputs are validated identifiers from REMs and world files, and a
//! plan is computed per request, so hash flooding is not a concern here; speed is (a plan on a
//! 2,000-item REM with a 10,000-pair list must stay under a millisecond).

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;
pub(crate) type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fnv>>;

/// An empty map with room for `n` entries.
pub(crate) fn map_with_capacity<K, V>(n: usize) -> HashMap<K, V> {
    HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_1a_reference_values() {
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
        let mut m: HashMap<&str, u8> = map_with_capacity(2);
        m.insert("SC.INS.01", 1);
        m.insert("SC.INS.02", 2);
        assert_eq!(m.get("SC.INS.02"), Some(&2));
    }
}
