//! The Zeek conn fields a [`crate::FlowRecord`] can carry, and which of them a source has.
//! A source that lacks a column (UNSW-NB15 has no IPs) differs from a row whose value is unset
//! (`-`), and prompts must show that difference.

/// One Zeek `conn.log` field, in Zeek's own order and spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Ts,
    Uid,
    OrigH,
    OrigP,
    RespH,
    RespP,
    Proto,
    Service,
    Duration,
    OrigBytes,
    RespBytes,
    ConnState,
    LocalOrig,
    LocalResp,
    MissedBytes,
    History,
    OrigPkts,
    OrigIpBytes,
    RespPkts,
    RespIpBytes,
    TunnelParents,
}

impl Field {
    pub const ALL: [Field; 21] = [
        Field::Ts,
        Field::Uid,
        Field::OrigH,
        Field::OrigP,
        Field::RespH,
        Field::RespP,
        Field::Proto,
        Field::Service,
        Field::Duration,
        Field::OrigBytes,
        Field::RespBytes,
        Field::ConnState,
        Field::LocalOrig,
        Field::LocalResp,
        Field::MissedBytes,
        Field::History,
        Field::OrigPkts,
        Field::OrigIpBytes,
        Field::RespPkts,
        Field::RespIpBytes,
        Field::TunnelParents,
    ];

    /// The Zeek column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Ts => "ts",
            Field::Uid => "uid",
            Field::OrigH => "id.orig_h",
            Field::OrigP => "id.orig_p",
            Field::RespH => "id.resp_h",
            Field::RespP => "id.resp_p",
            Field::Proto => "proto",
            Field::Service => "service",
            Field::Duration => "duration",
            Field::OrigBytes => "orig_bytes",
            Field::RespBytes => "resp_bytes",
            Field::ConnState => "conn_state",
            Field::LocalOrig => "local_orig",
            Field::LocalResp => "local_resp",
            Field::MissedBytes => "missed_bytes",
            Field::History => "history",
            Field::OrigPkts => "orig_pkts",
            Field::OrigIpBytes => "orig_ip_bytes",
            Field::RespPkts => "resp_pkts",
            Field::RespIpBytes => "resp_ip_bytes",
            Field::TunnelParents => "tunnel_parents",
        }
    }

    /// Resolve a column name, accepting the renamings seen in public IoT-23 exports
    /// (e.g. `origin_address` for `id.orig_h`).
    pub fn from_column(name: &str) -> Option<Field> {
        let n = name.trim();
        let f = match n {
            "ts" | "timestamp" => Field::Ts,
            "uid" => Field::Uid,
            "id.orig_h" | "id_orig_h" | "origin_address" | "orig_h" => Field::OrigH,
            "id.orig_p" | "id_orig_p" | "origin_port" | "orig_p" => Field::OrigP,
            "id.resp_h" | "id_resp_h" | "response_address" | "resp_h" => Field::RespH,
            "id.resp_p" | "id_resp_p" | "response_port" | "resp_p" => Field::RespP,
            "proto" | "protocol" => Field::Proto,
            _ => return Field::ALL.into_iter().find(|f| f.name() == n),
        };
        Some(f)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The set of fields a source provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FieldSet(u32);

impl FieldSet {
    pub const EMPTY: FieldSet = FieldSet(0);

    pub fn all() -> FieldSet {
        Field::ALL.into_iter().collect()
    }

    pub fn insert(&mut self, f: Field) {
        self.0 |= f.bit();
    }

    pub fn contains(self, f: Field) -> bool {
        self.0 & f.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Field> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Self {
        let mut s = FieldSet::EMPTY;
        for f in iter {
            s.insert(f);
        }
        s
    }
}
