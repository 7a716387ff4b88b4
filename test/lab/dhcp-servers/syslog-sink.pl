#!/usr/bin/perl
# A minimal syslog receiver for the DHCP servers lab: binds a unix datagram socket (the lab binds it at
# /dev/log inside a private mount namespace) and appends every datagram, exactly as the program's
# syslog() call sent it, as one line to a file. Usage: syslog-sink.pl SOCKET OUTFILE READYFILE
use strict;
use warnings;
use IO::Handle;
use Socket;

my ($path, $out, $ready) = @ARGV;
die "usage: syslog-sink.pl SOCKET OUTFILE READYFILE\n" unless defined $ready;
unlink $path;
socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
bind($s, pack_sockaddr_un($path)) or die "bind $path: $!\n";
chmod 0666, $path;
open(my $fh, '>>', $out) or die "open $out: $!\n";
$fh->autoflush(1);
open(my $r, '>', $ready) or die "open $ready: $!\n";
print $r "$$\n";
close $r;
$SIG{TERM} = sub { close $fh; exit 0 };
while (1) {
  my $buf = '';
  next unless defined recv($s, $buf, 65536, 0);
  $buf =~ s/[\r\n\0]+\z//;
  print $fh "$buf\n";
}
