//! The client half of Cognito's USER_SRP_AUTH (SRP-6a over the RFC 5054 3072-bit group with
//! SHA-256, plus Cognito's HKDF-style key and claim signature). The password never leaves the
//! machine: only `A` and a signature do.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// The RFC 5054 / RFC 3526 3072-bit prime.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E",
    "3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF",
    "5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D3",
    "9A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08",
    "CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF69558171839",
    "95497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DB",
    "EF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA",
    "06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

type HmacSha256 = Hmac<Sha256>;

/// Why the server's challenge cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrpError(pub String);

/// The fixed group and multiplier.
struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

fn group() -> Group {
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is hex");
    let g = BigUint::from(2u32);
    let k = BigUint::from_bytes_be(&sha256(&[&pad(&n), &pad(&g)]));
    Group { n, g, k }
}

/// Shortest big-endian bytes, with a 0x00 in front when the top bit is set.
fn pad(n: &BigUint) -> Vec<u8> {
    let b = n.to_bytes_be();
    if b.first().is_some_and(|&x| x & 0x80 != 0) {
        let mut v = Vec::with_capacity(b.len() + 1);
        v.push(0);
        v.extend_from_slice(&b);
        v
    } else {
        b
    }
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn hex_int(name: &str, text: &str) -> Result<BigUint, SrpError> {
    BigUint::parse_bytes(text.trim().as_bytes(), 16)
        .ok_or_else(|| SrpError(format!("the challenge's {name} is not hexadecimal")))
}

/// Decodes SECRET_BLOCK as standard base64; if that fails (moto sends a UUID), leniently:
/// characters outside the alphabet dropped, padding restored, trailing bits allowed.
pub fn decode_secret_block(block: &str) -> Vec<u8> {
    if let Ok(b) = STANDARD.decode(block) {
        return b;
    }
    let mut kept: String = block
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    while kept.len() % 4 == 1 {
        kept.pop();
    }
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    lenient.decode(kept).unwrap_or_default()
}

/// One sign-in's secret `a` and public `A`.
pub struct SrpSession {
    a: BigUint,
    big_a: BigUint,
    group: Group,
}

/// What the server sent in the PASSWORD_VERIFIER challenge.
pub struct Challenge<'a> {
    pub user_id_for_srp: &'a str,
    pub salt_hex: &'a str,
    pub srp_b_hex: &'a str,
    pub secret_block: &'a str,
}

impl SrpSession {
    /// A fresh session with 32 random bytes (256 bits) as `a`: RFC 5054 asks for at least 256
    /// bits, which matches the 128-bit strength of the 3072-bit group, and a short `a` makes
    /// the sign-in maths two and a half times cheaper than the 1024 bits some SDKs use.
    pub fn new() -> Result<Self, SrpError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| SrpError(format!("no randomness from the system: {e}")))?;
        Self::with_secret(&bytes)
    }

    /// A session with a given `a` (for known-answer tests).
    pub fn with_secret(a_bytes: &[u8]) -> Result<Self, SrpError> {
        let group = group();
        let a = BigUint::from_bytes_be(a_bytes);
        let big_a = group.g.modpow(&a, &group.n);
        if big_a.clone() % &group.n == BigUint::ZERO {
            return Err(SrpError("A is zero; try again".into()));
        }
        Ok(SrpSession { a, big_a, group })
    }

    /// `SRP_A` as Cognito wants it: lowercase hex.
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The 16-byte key shared with the server.
    fn key(&self, pool_name: &str, c: &Challenge, password: &str) -> Result<Vec<u8>, SrpError> {
        let Group { n, g, k } = &self.group;
        let b = hex_int("SRP_B", c.srp_b_hex)?;
        if b.clone() % n == BigUint::ZERO {
            return Err(SrpError(
                "the server's SRP_B is zero mod N; refusing to answer".into(),
            ));
        }
        let salt = hex_int("SALT", c.salt_hex)?;
        let u = BigUint::from_bytes_be(&sha256(&[&pad(&self.big_a), &pad(&b)]));
        if u == BigUint::ZERO {
            return Err(SrpError("u is zero; refusing to answer".into()));
        }
        let inner = sha256(&[
            pool_name.as_bytes(),
            c.user_id_for_srp.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        let x = BigUint::from_bytes_be(&sha256(&[&pad(&salt), &inner]));
        let gx = g.modpow(&x, n);
        let kgx = (k * gx) % n;
        let base = ((b % n) + n - kgx) % n;
        let s = base.modpow(&(&self.a + &u * &x), n);
        let prk = hmac(&pad(&u), &[&pad(&s)]);
        Ok(hmac(&prk, &[b"Caldera Derived Key", &[1]])[..16].to_vec())
    }

    /// PASSWORD_CLAIM_SIGNATURE for the challenge, signed at `timestamp` (see [`timestamp`]).
    pub fn signature(
        &self,
        pool_name: &str,
        c: &Challenge,
        password: &str,
        timestamp: &str,
    ) -> Result<String, SrpError> {
        let key = self.key(pool_name, c, password)?;
        let block = decode_secret_block(c.secret_block);
        let mac = hmac(
            &key,
            &[
                pool_name.as_bytes(),
                c.user_id_for_srp.as_bytes(),
                &block,
                timestamp.as_bytes(),
            ],
        );
        Ok(STANDARD.encode(mac))
    }
}

/// A device's password verifier for `ConfirmDevice`, made like a user's SRP verifier with the
/// device group key as the pool name and the device key as the user (as Amplify and pycognito's
/// `generate_hash_device` do): x = H(PAD(salt) || H(group || key || ":" || password)),
/// verifier = PAD(g^x). Both are returned base64-encoded, as `DeviceSecretVerifierConfig`
/// wants them (`PasswordVerifier`, `Salt`).
pub fn device_verifier(
    group_key: &str,
    device_key: &str,
    password: &str,
    salt: &[u8],
) -> (String, String) {
    let Group { n, g, .. } = group();
    let salt = BigUint::from_bytes_be(salt);
    let inner = sha256(&[
        group_key.as_bytes(),
        device_key.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    let x = BigUint::from_bytes_be(&sha256(&[&pad(&salt), &inner]));
    let v = g.modpow(&x, &n);
    (STANDARD.encode(pad(&v)), STANDARD.encode(pad(&salt)))
}

/// Cognito's TIMESTAMP: `EEE MMM d HH:mm:ss UTC yyyy`, English, UTC, day not padded.
pub fn timestamp(at: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// SECRET_HASH = Base64(HMAC_SHA256(client secret, username + client id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    STANDARD.encode(hmac(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/cognito/srp-vectors.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("../shared/cognito")).unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn group_constants_match() {
        let v = vectors();
        let g = group();
        assert_eq!(g.n.to_str_radix(16), v["group"]["N_hex"].as_str().unwrap());
        assert_eq!(
            format!("{:064x}", g.k),
            v["group"]["k_hex"].as_str().unwrap()
        );
    }

    #[test]
    fn full_vector_every_step() {
        let v = &vectors()["full"];
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let session = SrpSession::with_secret(&hex(&s("a_hex"))).unwrap();
        assert_eq!(session.srp_a(), s("SRP_A"));
        let c = Challenge {
            user_id_for_srp: &s("USER_ID_FOR_SRP"),
            salt_hex: &s("SALT"),
            srp_b_hex: &s("SRP_B"),
            secret_block: &s("SECRET_BLOCK"),
        };
        let key = session.key(&s("pool_name"), &c, &s("password")).unwrap();
        assert_eq!(key, hex(&s("hkdf_key_hex")));
        let sig = session
            .signature(&s("pool_name"), &c, &s("password"), &s("TIMESTAMP"))
            .unwrap();
        assert_eq!(sig, s("PASSWORD_CLAIM_SIGNATURE"));
        let wrong = session
            .signature(&s("pool_name"), &c, "wrong password", &s("TIMESTAMP"))
            .unwrap();
        // The vectors do not say which wrong password they used; any wrong one must differ.
        assert_ne!(wrong, sig);
        assert_ne!(s("signature_with_wrong_password"), sig);
        assert_eq!(
            secret_hash(&s("client_secret"), &s("username"), &s("client_id")),
            s("SECRET_HASH_for_username")
        );
        assert_eq!(
            secret_hash(&s("client_secret"), &s("USER_ID_FOR_SRP"), &s("client_id")),
            s("SECRET_HASH_for_USER_ID_FOR_SRP")
        );
    }

    #[test]
    fn short_vectors_pad_short_hex() {
        for v in vectors()["short"].as_array().unwrap() {
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            let session = SrpSession::with_secret(&[1u8; 128]).unwrap();
            let c = Challenge {
                user_id_for_srp: &s("USER_ID_FOR_SRP"),
                salt_hex: &s("SALT"),
                srp_b_hex: &s("SRP_B"),
                secret_block: &s("SECRET_BLOCK"),
            };
            let sig = session
                .signature(&s("pool_name"), &c, &s("password"), &s("TIMESTAMP"))
                .unwrap();
            assert_eq!(sig, s("PASSWORD_CLAIM_SIGNATURE"));
        }
    }

    #[test]
    fn timestamps_do_not_pad_the_day() {
        for (iso, want) in vectors()["timestamps"].as_object().unwrap() {
            let at =
                time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
                    .unwrap();
            assert_eq!(timestamp(at), want.as_str().unwrap());
        }
    }

    #[test]
    fn secret_block_decodes_strictly_then_leniently() {
        assert_eq!(decode_secret_block("aGVsbG8="), b"hello");
        // moto sends a UUID: not base64, but it must not stop the sign-in.
        assert!(!decode_secret_block("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0").is_empty());
    }

    #[test]
    fn zero_b_is_refused() {
        let session = SrpSession::new().unwrap();
        let n_hex = N_HEX.to_lowercase();
        for b in ["0", n_hex.as_str()] {
            let c = Challenge {
                user_id_for_srp: "u",
                salt_hex: "01",
                srp_b_hex: b,
                secret_block: "",
            };
            assert!(session.signature("p", &c, "pw", "t").is_err());
        }
    }
}
