//! A TCP proxy that a test puts between the code under test and a real server, to
//! create an outage of that server without touching the server itself.

use std::sync::Arc;

use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forwards bytes both ways.
    Forward,
    /// Closes every connection, open or new, as a server that went down does.
    Refuse,
    /// Keeps connections open but passes no bytes, as a hung server or a dropped
    /// network does; only timeouts and heartbeats notice it.
    Blackhole,
}

/// A proxy on a free port of 127.0.0.1; dropping it stops it.
pub struct Proxy {
    pub port: u16,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts forwarding to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (mode, watcher) = watch::channel(Mode::Forward);
        let target: Arc<str> = target.into();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, target.clone(), watcher.clone()));
            }
        });
        Self { port, mode, task }
    }

    /// Switches every open and future connection to `mode`. Connections cut by
    /// `Refuse` or `Blackhole` stay cut after a return to `Forward`.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// Returns `url` with its `host:port` replaced by this proxy's address.
    pub fn url_for(&self, url: &str, target: &str) -> String {
        assert!(url.contains(target), "{target} is not in the URL");
        url.replacen(target, &format!("127.0.0.1:{}", self.port), 1)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.mode.send_replace(Mode::Refuse);
    }
}

async fn serve(mut client: TcpStream, target: Arc<str>, mut mode: watch::Receiver<Mode>) {
    let current = *mode.borrow_and_update();
    if current != Mode::Forward {
        hold_or_close(client, current, mode).await;
        return;
    }
    let Ok(mut server) = TcpStream::connect(&*target).await else { return };
    let cut = loop {
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *mode.borrow_and_update();
                if now != Mode::Forward {
                    break now;
                }
            }
        }
    };
    drop(server);
    hold_or_close(client, cut, mode).await;
}

/// Closes the client at once for `Refuse`; for `Blackhole` keeps it open, silent,
/// until the mode changes again.
async fn hold_or_close(mut client: TcpStream, mode_now: Mode, mut mode: watch::Receiver<Mode>) {
    if mode_now == Mode::Blackhole {
        let _ = mode.changed().await;
    }
    let _ = client.shutdown().await;
}
