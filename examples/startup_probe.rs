//! Start-up time to the first answered request: starts the server binary with the given
//! arguments, polls `GET /v1/versionInfo` every millisecond until it answers 200, prints the
//! milliseconds since the spawn, and stops the server.
//!
//! Usage: `startup_probe BINARY PORT [SERVER_ARGS...]` (the server gets `--listen 127.0.0.1:PORT`)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn answers(port: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(format!("127.0.0.1:{port}")) else {
        return false;
    };
    let request = "GET /v1/versionInfo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.1 200")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().expect("BINARY");
    let port = args.next().expect("PORT");
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    while !answers(&port) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no answer in 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = started.elapsed();
    println!("{:.1}", elapsed.as_secs_f64() * 1000.0);
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}
