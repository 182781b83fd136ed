//! `ponte-sweep`: deletes test namespaces (queues, exchanges, Redis keys)
//! whose owner process is gone — what a test killed before its clean-up
//! left behind. Namespaces of running tests are left alone.
//!
//! `cargo run -p ponte-e2e --bin ponte-sweep` (scripts/sweep; scripts/test
//! runs it first). Uses PONTE_AMQP_URL and PONTE_REDIS_URL.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let (amqp, redis) = (ponte_e2e::amqp_url(), ponte_e2e::redis_url());
    match ponte_e2e::namespace::sweep(&amqp, &redis).await {
        Ok(swept) if swept.is_empty() => {
            println!("no stale test namespaces");
            ExitCode::SUCCESS
        }
        Ok(swept) => {
            println!(
                "deleted {} stale test namespace(s): {}",
                swept.len(),
                swept.join(", ")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ponte-sweep: {e}");
            ExitCode::FAILURE
        }
    }
}
