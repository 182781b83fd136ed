//! Whether Redis's silence about earlier tries of an effect proves there
//! were none, so the provider-side look-up (a marker search, a read for a
//! reference) can be skipped: on Movidesk every call is one of ten a minute.
//!
//! An effect is tried only after the thing it is about (a ticket, an
//! action) exists at its provider. When Redis has kept every write since
//! before that thing was born ([`Store::writes_kept_since`]), any earlier
//! try recorded itself there, so finding no record means no try. Born is
//! the provider's clock and "kept since" Ponte's: the two must agree within
//! [`CLOCK_SKEW`]. Records of tries are kept longer than [`WINDOW`], and
//! older things are always looked up.
//!
//! [`Store::writes_kept_since`]: ponte_store::Store::writes_kept_since

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::{Ctx, ExecError};

/// How far the provider's clock and Ponte's may disagree.
pub const CLOCK_SKEW: Duration = Duration::from_secs(10);

/// Only things born this recently can be proven to have no earlier try.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How long a record of a try must outlive [`WINDOW`].
pub const RECORD_KEEP: Duration = Duration::from_secs(25 * 3600);

/// Whether no earlier try of an effect on a thing `born` then can have
/// gone unrecorded; call it after reading the records of earlier tries.
pub async fn proven(ctx: &Ctx<'_>, born: Option<DateTime<Utc>>) -> Result<bool, ExecError> {
    let Some(born) = born else {
        return Ok(false);
    };
    let now = Utc::now();
    let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
    let window = chrono::Duration::from_std(WINDOW).unwrap_or_default();
    if born > now + skew || born < now - window {
        return Ok(false);
    }
    let kept = ctx.store.writes_kept_since().await?;
    Ok(kept.is_some_and(|since| since + skew < born))
}
