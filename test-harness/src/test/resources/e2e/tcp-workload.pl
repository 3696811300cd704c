#!/usr/bin/perl
# A plain TCP workload for the end-to-end tests: no TLS, no SPIFFE library; its identity travels
# in the TCP handshake, added by the node's datapath.
#   tcp-workload.pl serve PORT                      answers "hello from <uid>\n" to every connection
#   tcp-workload.pl connect HOST PORT COUNT TIMEOUT  prints {"succeeded":n,"failed":m,"last":"..."}
#   tcp-workload.pl hold HOST PORT SECONDS          one connection kept open, a line every second;
#                                                   prints {"lines":n,"broken":0|1}
#   tcp-workload.pl sink PORT                       accepts every connection and closes it at once
#   tcp-workload.pl rate HOST PORT COUNT            COUNT sequential connect + close, each connect
#                                                   timed; prints {"count":n,"failed":m,
#                                                   "elapsed_ns":t,"p50_us":a,"p99_us":b}
# sink and rate are the connection-rate benchmark's (EndToEndBenchmark): they use the core Socket
# module directly so that the per-connection work of perl stays small and the same with and
# without the datapath (socket, one setsockopt, connect, close; no object, no name lookup).
use strict;
use warnings;
use IO::Socket::IP;
use Socket qw(PF_INET PF_INET6 SOCK_STREAM IPPROTO_TCP IPPROTO_IPV6 IPV6_V6ONLY SOL_SOCKET
    SO_REUSEADDR SO_SNDTIMEO inet_aton IN6ADDR_ANY pack_sockaddr_in pack_sockaddr_in6);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

$| = 1;
my $mode = shift // die "usage: serve|connect|hold|sink|rate ...\n";
if ($mode eq 'serve') {
    my $port = shift;
    my $server = IO::Socket::IP->new(LocalHost => '::', LocalPort => $port, Listen => 128,
        ReuseAddr => 1, V6Only => 0) or die "listen $port: $@\n";
    print "listening $port\n";
    $SIG{CHLD} = 'IGNORE';
    while (my $client = $server->accept) {
        if (fork() == 0) {
            while (1) {
                print $client "hello from $<\n" or last;
                my $line = <$client>;
                last unless defined $line;
            }
            exit 0;
        }
        close $client;
    }
} elsif ($mode eq 'connect') {
    my ($host, $port, $count, $timeout) = (shift, shift, shift // 1, shift // 3);
    my ($ok, $failed, $last) = (0, 0, '');
    for (1 .. $count) {
        my $socket = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port, Timeout => $timeout);
        my $line = $socket ? <$socket> : undef;
        if (defined $line) {
            chomp $line;
            $ok++;
            $last = $line;
        } else {
            $failed++;
        }
        close $socket if $socket;
    }
    print "{\"succeeded\":$ok,\"failed\":$failed,\"last\":\"$last\"}\n";
    exit($failed ? 1 : 0);
} elsif ($mode eq 'hold') {
    my ($host, $port, $seconds) = (shift, shift, shift);
    my $socket = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port, Timeout => 3)
        or do { print "{\"lines\":0,\"broken\":1}\n"; exit 1 };
    my $lines = 0;
    for (1 .. $seconds) {
        my $line = <$socket>;
        last unless defined $line;
        $lines++;
        print $socket "more\n";
        sleep 1;
    }
    my $broken = $lines < $seconds ? 1 : 0;
    print "{\"lines\":$lines,\"broken\":$broken}\n";
    exit $broken;
} elsif ($mode eq 'sink') {
    my $port = shift;
    socket(my $server, PF_INET6, SOCK_STREAM, IPPROTO_TCP) or die "socket: $!\n";
    setsockopt($server, SOL_SOCKET, SO_REUSEADDR, 1) or die "SO_REUSEADDR: $!\n";
    setsockopt($server, IPPROTO_IPV6, IPV6_V6ONLY, 0) or die "IPV6_V6ONLY: $!\n";
    bind($server, pack_sockaddr_in6($port, IN6ADDR_ANY)) or die "bind $port: $!\n";
    listen($server, 1024) or die "listen $port: $!\n";
    print "listening $port\n";
    while (1) {
        accept(my $client, $server) or next;
        close $client;
    }
} elsif ($mode eq 'rate') {
    my ($host, $port, $count) = (shift, shift, shift);
    my $address = pack_sockaddr_in($port, inet_aton($host) // die "bad address $host\n");
    # struct timeval: a blocking connect() gives up after SO_SNDTIMEO (a refused SYN is dropped,
    # so without it a denied connection would wait for every SYN retransmission).
    my $timeout = pack('l!l!', 3, 0);
    my ($failed, @micros) = (0);
    my $start = clock_gettime(CLOCK_MONOTONIC);
    for (1 .. $count) {
        socket(my $socket, PF_INET, SOCK_STREAM, IPPROTO_TCP) or die "socket: $!\n";
        setsockopt($socket, SOL_SOCKET, SO_SNDTIMEO, $timeout) or die "SO_SNDTIMEO: $!\n";
        my $t0 = clock_gettime(CLOCK_MONOTONIC);
        my $connected = connect($socket, $address);
        push @micros, (clock_gettime(CLOCK_MONOTONIC) - $t0) * 1e6;
        $failed++ unless $connected;
        close $socket;
    }
    my $elapsed = clock_gettime(CLOCK_MONOTONIC) - $start;
    @micros = sort { $a <=> $b } @micros;
    printf "{\"count\":%d,\"failed\":%d,\"elapsed_ns\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
        $count, $failed, $elapsed * 1e9, $micros[int($count / 2)], $micros[int($count * 0.99)];
    exit($failed ? 1 : 0);
} else {
    die "unknown mode $mode\n";
}
