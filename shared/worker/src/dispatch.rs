//! From a command's operation to the provider's part, once for every
//! provider: a provider worker implements [`Desk`] for the operations it
//! carries out and calls [`dispatch`] from its `Executor::execute`. Every
//! other operation is refused for good, in the provider's words
//! ([`Desk::refusal`]). The pair's ticket on the command's side is looked up
//! here ([`pair_ticket`]), so a desk's method gets it ready.

use std::future::{Future, ready};

use ponte_core::{Call, Command, Operation, Side, Ticket};

use crate::effect::{Association, Marked, Mirror, Pair, StatusChange};
use crate::{Ctx, ExecError, Executed, Executor, pair_ticket};

/// What a command may ask of a provider; each method is one operation
/// (named as in [`Operation::name`]) and refuses it unless implemented.
pub trait Desk: Executor {
    /// Why this provider does not carry out `op` (a permanent failure).
    fn refusal(&self, op: &'static str) -> String {
        format!("{} cannot carry out `{op}`", self.provider().title())
    }

    /// Re-read `ticket_id`, compare it with its snapshot, publish what changed.
    fn sync_ticket(
        &self,
        _ctx: &Ctx<'_>,
        _side: Side,
        _ticket_id: &str,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("sync_ticket"))))
    }

    /// Create the counterpart of `pair.source` (read as `ticket`) on
    /// `pair.side` (see `effect::create_counterpart`).
    fn create_ticket(
        &self,
        _ctx: &Ctx<'_>,
        _pair: Pair<'_>,
        _ticket: &Ticket,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("create_ticket"))))
    }

    /// Write the other side's action on the pair's ticket (`mirror.ticket_id`).
    fn add_action(
        &self,
        _ctx: &Ctx<'_>,
        _mirror: Mirror<'_>,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("add_action"))))
    }

    /// Set the other side's status on the pair's ticket (`change.ticket_id`).
    fn change_status(
        &self,
        _ctx: &Ctx<'_>,
        _change: StatusChange<'_>,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("change_status"))))
    }

    /// Link an existing ticket to `pair.source` (manual mode's "associate").
    fn link_tickets(
        &self,
        _ctx: &Ctx<'_>,
        _pair: Association<'_>,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("link_tickets"))))
    }

    /// Take Ponte's marker off a ticket whose link an agent removed.
    fn remove_marker(
        &self,
        _ctx: &Ctx<'_>,
        _marked: Marked<'_>,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("remove_marker"))))
    }

    /// Show `counterpart` on the source `ticket_id` another desk's worker
    /// created it for.
    fn mark_linked(
        &self,
        _ctx: &Ctx<'_>,
        _side: Side,
        _link_id: &str,
        _ticket_id: &str,
        _counterpart: &str,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("mark_linked"))))
    }

    /// Tell a channel's ticket (`ticket_id`, the pair's) who attends it.
    fn assign_agent(
        &self,
        _ctx: &Ctx<'_>,
        _side: Side,
        _link_id: &str,
        _ticket_id: &str,
        _desk_owner: Option<&str>,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("assign_agent"))))
    }

    /// Show the caller's card to the agent whose phone rings.
    fn pop_caller_card(
        &self,
        _ctx: &Ctx<'_>,
        _side: Side,
        _call: &Call,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("pop_caller_card"))))
    }

    /// Record a finished call on the caller's ticket.
    fn log_call(
        &self,
        _ctx: &Ctx<'_>,
        _side: Side,
        _call: &Call,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(self.refusal("log_call"))))
    }

    /// Open a ticket for a call nobody answered.
    fn open_missed_call_ticket(
        &self,
        _ctx: &Ctx<'_>,
        _side: Side,
        _call: &Call,
    ) -> impl Future<Output = Executed> + Send {
        ready(Err(ExecError::permanent(
            self.refusal("open_missed_call_ticket"),
        )))
    }
}

/// Carries out `command` through `desk`.
pub async fn dispatch<D: Desk>(desk: &D, ctx: &Ctx<'_>, command: &Command) -> Executed {
    let side = command.side;
    match &command.op {
        Operation::SyncTicket { ticket_id } => desk.sync_ticket(ctx, side, ticket_id).await,
        Operation::CreateTicket {
            link_id,
            source,
            ticket,
            how,
        } => {
            let pair = Pair {
                side,
                link_id,
                source,
                how: *how,
                born: ticket.created_at,
            };
            desk.create_ticket(ctx, pair, ticket).await
        }
        Operation::AddAction {
            link_id,
            origin,
            action,
            fields,
            from_customer,
        } => {
            let ticket_id = pair_ticket(ctx, link_id, side).await?;
            let mirror = Mirror {
                link_id,
                side,
                ticket_id: &ticket_id,
                origin,
                action,
                from_customer: *from_customer,
                fields,
            };
            desk.add_action(ctx, mirror).await
        }
        Operation::ChangeStatus {
            link_id,
            origin,
            status,
            base_status,
            changed_at,
            justification,
        } => {
            let ticket_id = pair_ticket(ctx, link_id, side).await?;
            let change = StatusChange {
                link_id,
                side,
                ticket_id: &ticket_id,
                origin,
                status,
                changed_at: *changed_at,
                base_status,
                justification: justification.as_deref(),
            };
            desk.change_status(ctx, change).await
        }
        Operation::LinkTickets {
            link_id,
            source,
            ticket_id,
        } => {
            desk.link_tickets(ctx, Association::new(link_id, side, source, ticket_id))
                .await
        }
        Operation::RemoveMarker {
            link_id,
            ticket_id,
            marker,
        } => {
            desk.remove_marker(ctx, Marked::new(link_id, side, ticket_id, marker))
                .await
        }
        Operation::MarkLinked {
            link_id,
            ticket_id,
            counterpart,
        } => {
            desk.mark_linked(ctx, side, link_id, ticket_id, counterpart)
                .await
        }
        Operation::AssignAgent {
            link_id,
            desk_owner,
        } => {
            let ticket_id = pair_ticket(ctx, link_id, side).await?;
            desk.assign_agent(ctx, side, link_id, &ticket_id, desk_owner.as_deref())
                .await
        }
        Operation::PopCallerCard { call } => desk.pop_caller_card(ctx, side, call).await,
        Operation::LogCall { call } => desk.log_call(ctx, side, call).await,
        Operation::OpenMissedCallTicket { call } => {
            desk.open_missed_call_ticket(ctx, side, call).await
        }
    }
}
