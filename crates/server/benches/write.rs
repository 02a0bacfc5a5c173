//! A connection's write path: a batch of queued lines into a loopback
//! socket whose peer reads everything, as one recipient's wake-up writes
//! its outbox (one line at everyday load, a few when several people
//! talk, hundreds under saturation).

use std::collections::VecDeque;
use std::io::Read;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A connected loopback pair: the tokio end, and a thread that reads and
/// drops whatever comes until the socket closes.
fn loopback(runtime: &tokio::runtime::Runtime) -> tokio::net::TcpStream {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        let mut sink = vec![0; 1 << 20];
        while matches!(peer.read(&mut sink), Ok(n) if n > 0) {}
    });
    let stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_nonblocking(true).expect("nonblocking");
    stream.set_nodelay(true).expect("nodelay");
    let _guard = runtime.enter();
    tokio::net::TcpStream::from_std(stream).expect("register")
}

fn write(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    let socket = loopback(&runtime);
    // A typical relayed channel line, with its source.
    let line = Bytes::from_static(
        b":alice!~alice@198.51.100.7 PRIVMSG #lobby :hello everyone, this is a typical chat line\r\n",
    );
    let mut group = c.benchmark_group("write a batch to a loopback socket");
    for lines in [1usize, 4, 64, 1024] {
        group.throughput(Throughput::Elements(lines as u64));
        group.bench_with_input(BenchmarkId::new("lines", lines), &lines, |b, &lines| {
            let mut batch = VecDeque::with_capacity(lines);
            b.iter(|| {
                batch.extend(std::iter::repeat_n(line.clone(), lines));
                // The reader keeps up; a full socket is waited out.
                while !batch.is_empty() {
                    match ciao_server::testing::write_some(&socket, &mut batch) {
                        Ok(()) => {}
                        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                            runtime.block_on(socket.writable()).expect("writable");
                        }
                        Err(error) => panic!("write: {error}"),
                    }
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, write);
criterion_main!(benches);
