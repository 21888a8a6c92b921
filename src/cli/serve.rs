use std::net::SocketAddr;
use std::sync::Arc;

use crate::config::Settings;
use crate::mackerel::Client;
use crate::server::{self, Access, App};
use crate::store::{Location, Store};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen [default: [server] listen, else 127.0.0.1:8080]. An address other
    /// than loopback needs ASAKAI_UI_PASSWORD or [server] user_header.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
}

pub async fn run(db: &Location, settings: &Settings, args: ServeArgs) -> anyhow::Result<()> {
    let listen = args.listen.unwrap_or(settings.server.listen);
    let access = Access::decide(listen, &settings.server)?;
    if !settings.has_api_key() {
        anyhow::bail!(
            "serve keeps the store current from Mackerel and needs MACKEREL_APIKEY; \
             to try it without an account, run `asakai demo`"
        );
    }
    let client = Client::new(settings.client_config()?)?;
    let store = Store::open_for_serving(db).await?;
    crate::teams::check_services(&settings.teams, &store.service_names().await?)
        .map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let app = Arc::new(App::new(store, settings.clone(), Some(client), access));
    eprintln!(
        "asakai serve: http://{addr}/ (database {}; a pass every {})",
        db,
        humantime::format_duration(settings.poll_interval)
    );
    server::launch_with_tcp_listener(app, listener, shutdown_signal()).await?;
    eprintln!("asakai serve: stopped");
    Ok(())
}

/// SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
