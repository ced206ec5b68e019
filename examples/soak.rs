//! A load client for soak tests: N keep-alive connections send a mix of key creation
//! (EC P-256 and AES), signing, verification and listing to a running emulator for a while,
//! then report the request count, errors, latency percentiles and the server's resident
//! memory over time. Exits 1 on any error or if memory keeps growing.
//!
//! ```sh
//! cargo run --release --example soak -- --address 127.0.0.1:8080 --pid <server pid> \
//!     --connections 64 --seconds 60
//! ```
//! `scripts/soak.sh` starts a server and runs this against it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Options {
    address: SocketAddr,
    pid: Option<u32>,
    connections: usize,
    seconds: u64,
}

fn options() -> Options {
    let mut options = Options {
        address: "127.0.0.1:8080".parse().unwrap(),
        pid: None,
        connections: 64,
        seconds: 60,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        match pair[0].as_str() {
            "--address" => options.address = value.parse().expect("--address HOST:PORT"),
            "--pid" => options.pid = Some(value.parse().expect("--pid N")),
            "--connections" => options.connections = value.parse().expect("--connections N"),
            "--seconds" => options.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// One keep-alive connection.
struct Connection {
    address: SocketAddr,
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(address: SocketAddr) -> Self {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).ok();
        stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
        Self {
            address,
            reader: BufReader::new(stream),
        }
    }

    /// Sends a request and reads the response; returns status and body.
    fn request(&mut self, method: &str, path: &str, body: &str) -> (u16, String) {
        let stream = self.reader.get_mut();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .expect("request written");
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .expect("status line");
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
}

/// What one connection did: latencies per operation and failures.
#[derive(Default)]
struct Tally {
    latencies: Vec<(usize, Duration)>,
    errors: Vec<String>,
}

const OPERATIONS: [&str; 4] = ["create", "sign", "verify", "list"];

fn client(id: usize, address: SocketAddr, stop: Arc<AtomicBool>) -> Tally {
    let mut connection = Connection::open(address);
    let mut tally = Tally::default();
    let own = format!("soak-{id}-{}", std::process::id());
    let (status, body) = connection.request(
        "POST",
        "/v1/key",
        &format!(
            r#"{{"label":"{own}","algorithm":"EC","curveOid":"1.2.840.10045.3.1.7","attributes":{{"decrypt":false,"sign":true,"unwrap":false,"destroyable":true}}}}"#
        ),
    );
    assert_eq!(status, 201, "{body}");
    let mut signature = String::new();
    for n in 0u64.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        // 10% create, 40% sign, 40% verify, 10% list.
        let operation = match n % 10 {
            0 => 0,
            1..=4 => 1,
            5..=8 => 2,
            _ => 3,
        };
        let operation = if operation == 2 && signature.is_empty() {
            1
        } else {
            operation
        };
        let started = Instant::now();
        let (status, body) = match operation {
            0 => {
                let body = if n % 20 == 0 {
                    format!(
                        r#"{{"label":"{own}-{n}","algorithm":"AES","keySize":256,"attributes":{{"decrypt":true,"sign":false,"unwrap":false,"destroyable":true}}}}"#
                    )
                } else {
                    format!(
                        r#"{{"label":"{own}-{n}","algorithm":"EC","curveOid":"1.2.840.10045.3.1.7","attributes":{{"decrypt":false,"sign":true,"unwrap":false,"destroyable":true}}}}"#
                    )
                };
                connection.request("POST", "/v1/key", &body)
            }
            1 => connection.request(
                "POST",
                "/v1/synchronousSign",
                &format!(
                    r#"{{"signRequest":{{"signKeyName":"{own}","payload":"c29hayB0ZXN0","signatureAlgorithm":"SHA256_WITH_ECDSA"}}}}"#
                ),
            ),
            2 => connection.request(
                "POST",
                "/v1/verify",
                &format!(
                    r#"{{"verifySignatureRequest":{{"signKeyName":"{own}","payload":"c29hayB0ZXN0","signatureAlgorithm":"SHA256_WITH_ECDSA","signature":"{signature}"}}}}"#
                ),
            ),
            _ => connection.request("GET", "/v1/key", ""),
        };
        tally.latencies.push((operation, started.elapsed()));
        let ok = match operation {
            0 => status == 201,
            2 => status == 200 && body.contains(r#""signatureValid":true"#),
            _ => status == 200,
        };
        if !ok {
            tally
                .errors
                .push(format!("{}: {status} {body}", OPERATIONS[operation]));
        } else if operation == 1 {
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            signature = value["signature"].as_str().unwrap_or_default().to_owned();
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() -> std::process::ExitCode {
    let options = options();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..options.connections)
        .map(|id| {
            let stop = Arc::clone(&stop);
            let address = options.address;
            std::thread::spawn(move || client(id, address, stop))
        })
        .collect();
    let mut rss = Vec::new();
    let sample_every = Duration::from_secs((options.seconds / 12).max(1));
    while started.elapsed() < Duration::from_secs(options.seconds) {
        if let Some(kib) = options.pid.and_then(rss_kib) {
            rss.push((started.elapsed().as_secs(), kib));
        }
        std::thread::sleep(
            sample_every
                .min(Duration::from_secs(options.seconds).saturating_sub(started.elapsed())),
        );
    }
    if let Some(kib) = options.pid.and_then(rss_kib) {
        rss.push((started.elapsed().as_secs(), kib));
    }
    stop.store(true, Ordering::Relaxed);
    let tallies: Vec<Tally> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let elapsed = started.elapsed().as_secs_f64();
    let mut all: Vec<Duration> = tallies
        .iter()
        .flat_map(|t| t.latencies.iter().map(|l| l.1))
        .collect();
    all.sort();
    let errors: Vec<&String> = tallies.iter().flat_map(|t| &t.errors).collect();
    println!(
        "{} requests in {elapsed:.1} s over {} connections: {:.0} req/s, {} errors",
        all.len(),
        options.connections,
        all.len() as f64 / elapsed,
        errors.len()
    );
    println!(
        "all      p50 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default()
    );
    for (index, name) in OPERATIONS.iter().enumerate() {
        let mut latencies: Vec<Duration> = tallies
            .iter()
            .flat_map(|t| t.latencies.iter().filter(|l| l.0 == index).map(|l| l.1))
            .collect();
        latencies.sort();
        println!(
            "{name:<8} p50 {:>8.2?}  p99 {:>8.2?}  ({} requests)",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.len()
        );
    }
    for error in errors.iter().take(5) {
        println!("error: {error}");
    }
    let mut failed = !errors.is_empty();
    if !rss.is_empty() {
        let line: Vec<String> = rss
            .iter()
            .map(|(s, kib)| format!("{s}s:{}MiB", kib / 1024))
            .collect();
        println!("server RSS {}", line.join(" "));
        // Stable: the last sample is within 50% (+16 MiB) of the one after the first quarter
        // (the first seconds fill caches and thread pools).
        let quarter = rss[rss.len() / 4].1;
        let last = rss[rss.len() - 1].1;
        if last > quarter + quarter / 2 + 16 * 1024 {
            println!("memory kept growing: {quarter} KiB -> {last} KiB");
            failed = true;
        }
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
