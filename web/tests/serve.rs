//! The accept loop against real TCP clients on loopback: a slowloris client (a
//! request head never finished) and an idle one (connected, silent) are both
//! disconnected at the header-read timeout while an honest client is served, and the
//! connection cap makes the next client wait rather than be served past it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use sigillum_web::serve::{Limits, run_with};

const TIMEOUT: Duration = Duration::from_millis(500);

fn start(max_connections: usize) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let router = Router::new().route("/", get(|| async { "served" }));
            let limits = Limits {
                header_read_timeout: TIMEOUT,
                max_connections,
            };
            run_with(listener, router, async { drop(stop_rx.await) }, limits)
                .await
                .unwrap();
        });
    });
    (addr_rx.recv().unwrap(), stop_tx)
}

/// Reads until the server closes; what it sent. Gives up (and fails) after 30 s.
fn read_until_closed(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return String::from_utf8_lossy(&all).into_owned(),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return String::from_utf8_lossy(&all).into_owned();
            }
            Err(e) => panic!("the server still held the connection after 30 s: {e}"),
        }
    }
}

fn get_root(addr: std::net::SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .unwrap();
    read_until_closed(&mut s)
}

#[test]
fn slowloris_and_idle_connections_are_closed_while_honest_clients_are_served() {
    let (addr, _stop) = start(64);
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nhost: te").unwrap();
    let mut idle = TcpStream::connect(addr).unwrap();
    assert!(get_root(addr).ends_with("served"));
    // Both are dropped by the server (EOF, no response), not by our 30 s guard.
    let started = Instant::now();
    let answer = read_until_closed(&mut slow);
    assert!(!answer.contains("served"), "{answer:?}");
    read_until_closed(&mut idle);
    assert!(started.elapsed() < Duration::from_secs(30));
    // A connection that keeps trickling header bytes is cut at the same deadline:
    // the timeout covers the whole head, not the gap between bytes.
    let mut trickle = TcpStream::connect(addr).unwrap();
    let mut cut = false;
    for byte in b"GET / HTTP/1.1\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if trickle.write_all(&[*byte]).is_err() {
            cut = true;
            break;
        }
        std::thread::sleep(TIMEOUT / 10);
    }
    assert!(cut || read_until_closed(&mut trickle).is_empty());
    assert!(get_root(addr).ends_with("served"), "still serving");
}

#[test]
fn past_the_connection_cap_a_client_waits_for_a_free_slot() {
    let (addr, _stop) = start(1);
    let mut holder = TcpStream::connect(addr).unwrap();
    holder.write_all(b"GET / HTTP/1.1\r\nhost: te").unwrap();
    // The only slot is held until the holder's head times out; then the next
    // client is served.
    let answer = get_root(addr);
    assert!(answer.ends_with("served"), "{answer:?}");
    // By the time the second client was served, the holder had been closed: with no
    // cap it would have been served at once, the holder still open.
    holder.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 16];
    match holder.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the holder was still open when the next client was served: {other:?}"),
    }
}
