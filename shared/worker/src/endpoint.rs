use ponte_core::{Endpoint, Provider, Side};

use crate::{Ctx, ExecError};

/// The integration's endpoint on `side`, which must be `provider`'s: a
/// command that reached the wrong provider's worker fails for good, naming
/// the integration and what its side is.
pub fn endpoint_of<'a>(
    ctx: &Ctx<'a>,
    side: Side,
    provider: Provider,
) -> Result<&'a Endpoint, ExecError> {
    let endpoint = ctx.integration.endpoint(side);
    if endpoint.provider != provider {
        return Err(ExecError::permanent(format!(
            "the {} side of integration `{}` is {}, not {}",
            side.as_str(),
            ctx.integration.id,
            endpoint.provider,
            provider.title()
        )));
    }
    Ok(endpoint)
}
