//! The `health` subcommand: a tiny HTTP probe of `GET /health` for container health checks
//! (the runtime image has no shell or curl).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Probes `GET /health` on the server listening at `listen` (a wildcard address is probed
/// on loopback). `Ok` when it answers 200.
pub fn probe(listen: SocketAddr) -> Result<(), String> {
    let target = if listen.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), listen.port())
    } else {
        listen
    };
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&target, timeout)
        .map_err(|e| format!("cannot connect to {target}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("cannot send to {target}: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("no answer from {target}: {e}"))?;
    match response.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        status => Err(format!("{target} answered {}", status.unwrap_or("nothing"))),
    }
}
