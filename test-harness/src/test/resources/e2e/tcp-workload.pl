#!/usr/bin/perl
# A plain TCP workload for the end-to-end tests: no TLS, no SPIFFE library; its identity travels
# in the TCP handshake, added by the node's datapath.
#   tcp-workload.pl serve PORT                      answers "hello from <uid>\n" to every connection
#   tcp-workload.pl connect HOST PORT COUNT TIMEOUT  prints {"succeeded":n,"failed":m,"last":"..."}
#   tcp-workload.pl hold HOST PORT SECONDS          one connection kept open, a line every second;
#                                                   prints {"lines":n,"broken":0|1}
use strict;
use warnings;
use IO::Socket::IP;

$| = 1;
my $mode = shift // die "usage: serve|connect|hold ...\n";
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
} else {
    die "unknown mode $mode\n";
}
