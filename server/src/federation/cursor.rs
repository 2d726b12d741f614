//! The opaque resume point of a subscription: the origin's policy epoch and
//! the last outbox sequence number delivered. Never a timestamp. A cursor
//! from another policy epoch restarts the replay from the beginning, so a
//! peer newly allowed to see something receives it.

/// Where a subscriber stands in an origin's outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub epoch: u64,
    pub seq: u64,
}

const VERSION: u8 = 1;
const LEN: usize = 17;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("cursor of {0} bytes is not a Tocsin cursor (expected {LEN})")]
    Length(usize),
    #[error("cursor version {0} is unknown (expected {VERSION})")]
    Version(u8),
}

impl Cursor {
    /// The wire form: a version byte, then epoch and sequence big-endian.
    pub fn encode(self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.epoch.to_be_bytes());
        bytes.extend_from_slice(&self.seq.to_be_bytes());
        bytes
    }

    /// Decodes a cursor; an empty one means "from the beginning".
    pub fn decode(bytes: &[u8]) -> Result<Option<Self>, CursorError> {
        if bytes.is_empty() {
            return Ok(None);
        }
        let bytes: &[u8; LEN] = bytes.try_into().map_err(|_| CursorError::Length(bytes.len()))?;
        if bytes[0] != VERSION {
            return Err(CursorError::Version(bytes[0]));
        }
        let mut epoch = [0; 8];
        let mut seq = [0; 8];
        epoch.copy_from_slice(&bytes[1..9]);
        seq.copy_from_slice(&bytes[9..17]);
        Ok(Some(Self {
            epoch: u64::from_be_bytes(epoch),
            seq: u64::from_be_bytes(seq),
        }))
    }

    /// The sequence to replay after, under the origin's `current_epoch`.
    pub fn resume_after(cursor: Option<Self>, current_epoch: u64) -> u64 {
        match cursor {
            Some(c) if c.epoch == current_epoch => c.seq,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_foreign_bytes() {
        let c = Cursor { epoch: 3, seq: 42 };
        assert_eq!(Cursor::decode(&c.encode()), Ok(Some(c)));
        assert_eq!(Cursor::decode(&[]), Ok(None));
        assert_eq!(Cursor::decode(&[1, 2, 3]), Err(CursorError::Length(3)));
        let mut wrong = c.encode();
        wrong[0] = 9;
        assert_eq!(Cursor::decode(&wrong), Err(CursorError::Version(9)));
    }

    #[test]
    fn another_epoch_replays_from_the_start() {
        assert_eq!(Cursor::resume_after(Some(Cursor { epoch: 2, seq: 10 }), 2), 10);
        assert_eq!(Cursor::resume_after(Some(Cursor { epoch: 1, seq: 10 }), 2), 0);
        assert_eq!(Cursor::resume_after(None, 2), 0);
    }
}
