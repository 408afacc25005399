//! The server half of Cognito's SRP, written here from the published maths (REFERENCE.md, the
//! vectors in ../shared/cognito/srp-vectors.json), independent of the client in src/: a
//! verifier v = g^x made from a password (user) or a device password (device: the group key
//! stands for the pool name, the device key for the user), B = k*v + g^b, and the check of a
//! PASSWORD_CLAIM_SIGNATURE against the key the server derives on its own side.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

use super::repo;

pub fn n() -> BigUint {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("../shared/cognito/srp-vectors.json")).unwrap(),
    )
    .unwrap();
    BigUint::parse_bytes(v["group"]["N_hex"].as_str().unwrap().as_bytes(), 16).unwrap()
}

pub fn pad(x: &BigUint) -> Vec<u8> {
    let b = x.to_bytes_be();
    if b[0] & 0x80 != 0 {
        [vec![0], b].concat()
    } else {
        b
    }
}

pub fn h(parts: &[&[u8]]) -> Vec<u8> {
    let mut d = Sha256::new();
    for p in parts {
        d.update(p);
    }
    d.finalize().to_vec()
}

pub fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

pub fn random(n: usize) -> Vec<u8> {
    let mut b = vec![0; n];
    getrandom::fill(&mut b).unwrap();
    b
}

/// What the server remembers between the challenge and the answer.
#[derive(Clone)]
pub struct Pending {
    pub a: BigUint,
    pub big_b: BigUint,
    pub b: BigUint,
    pub block: Vec<u8>,
}

/// One verifier: for a user (pool name, USER_ID_FOR_SRP, password) or a device (group key,
/// device key, device password).
#[derive(Clone)]
pub struct Verifier {
    pub pool_name: String,
    pub user_id: String,
    pub salt: BigUint,
    pub v: BigUint,
}

impl Verifier {
    /// From the secret itself, with a new random salt.
    pub fn from_password(pool_name: &str, user_id: &str, password: &str) -> Verifier {
        let salt = BigUint::from_bytes_be(&random(16));
        let inner = h(&[
            pool_name.as_bytes(),
            user_id.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        let x = BigUint::from_bytes_be(&h(&[&pad(&salt), &inner]));
        let v = BigUint::from(2u32).modpow(&x, &n());
        Verifier {
            pool_name: pool_name.into(),
            user_id: user_id.into(),
            salt,
            v,
        }
    }

    /// From ConfirmDevice's `DeviceSecretVerifierConfig` (base64 `PasswordVerifier`, `Salt`).
    pub fn from_config(group_key: &str, device_key: &str, verifier: &str, salt: &str) -> Verifier {
        Verifier {
            pool_name: group_key.into(),
            user_id: device_key.into(),
            salt: BigUint::from_bytes_be(&STANDARD.decode(salt).unwrap()),
            v: BigUint::from_bytes_be(&STANDARD.decode(verifier).unwrap()),
        }
    }

    /// B for the client's A; the challenge's SALT, SRP_B and SECRET_BLOCK.
    pub fn begin(&self, srp_a_hex: &str) -> (Pending, serde_json::Value) {
        let n = n();
        let g = BigUint::from(2u32);
        let k = BigUint::from_bytes_be(&h(&[&pad(&n), &pad(&g)]));
        let a = BigUint::parse_bytes(srp_a_hex.as_bytes(), 16).unwrap();
        let b = BigUint::from_bytes_be(&random(32));
        let big_b = (&k * &self.v + g.modpow(&b, &n)) % &n;
        let block = random(64);
        let params = serde_json::json!({
            "SALT": self.salt.to_str_radix(16),
            "SRP_B": big_b.to_str_radix(16),
            "SECRET_BLOCK": STANDARD.encode(&block),
        });
        (Pending { a, big_b, b, block }, params)
    }

    /// Whether the answer's signature is the one this verifier's secret gives. Also checks
    /// the TIMESTAMP form (day not padded, UTC) and that the secret block came back as sent.
    pub fn check(&self, p: &Pending, answer: &serde_json::Value) -> bool {
        let n = n();
        let ts = answer["TIMESTAMP"].as_str().unwrap_or("");
        let parts: Vec<&str> = ts.split(' ').collect();
        if parts.len() != 6 || parts[2].starts_with('0') || parts[4] != "UTC" {
            return false;
        }
        let block = STANDARD
            .decode(answer["PASSWORD_CLAIM_SECRET_BLOCK"].as_str().unwrap_or(""))
            .unwrap_or_default();
        if block != p.block {
            return false;
        }
        let u = BigUint::from_bytes_be(&h(&[&pad(&p.a), &pad(&p.big_b)]));
        let s = (&p.a * self.v.modpow(&u, &n)).modpow(&p.b, &n);
        let prk = mac(&pad(&u), &[&pad(&s)]);
        let key = &mac(&prk, &[b"Caldera Derived Key", &[1]])[..16];
        let want = STANDARD.encode(mac(
            key,
            &[
                self.pool_name.as_bytes(),
                self.user_id.as_bytes(),
                &p.block,
                ts.as_bytes(),
            ],
        ));
        answer["PASSWORD_CLAIM_SIGNATURE"].as_str() == Some(want.as_str())
    }
}
