# Prepares a fresh Request Tracker database for the connector tests, through RT's own API
# (the same objects the web UI would create): the queues tasks are pushed into (the
# instance's queue, and one a department's connector settings name), the RT user
# the connector acts as (queue rights only, no SuperUser, so the tests prove the rights
# the README lists are enough) with a password and an auth token, and a password for root,
# who plays the department's staff resolving and answering tickets.
# Usage: perl rt_setup.pl QUEUE,QUEUE2 CONNECTOR_USER CONNECTOR_PASSWORD ROOT_PASSWORD
# Prints the connector user's auth token. RT_SITE_CONFIG must name the private site config.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT;

RT::LoadConfig();
RT::Init();

my ($queue_names, $user_name, $user_password, $root_password) = @ARGV;
die "usage: rt_setup.pl QUEUE,QUEUE2 CONNECTOR_USER CONNECTOR_PASSWORD ROOT_PASSWORD\n"
  unless defined $root_password;

sub check {
  my ($what, $ok, $message) = @_;
  die "rt_setup: $what: $message\n" unless $ok;
}

my $root = RT::User->new(RT->SystemUser);
$root->Load('root');
check('root user', $root->Id, 'missing from the initialised database');
check('root password', $root->SetPassword($root_password));

my $user = RT::User->new(RT->SystemUser);
check('connector user',
  $user->Create(Name => $user_name, Password => $user_password, Privileged => 1,
                EmailAddress => "$user_name\@cxloop.test", RealName => 'cxloop connector'));
for my $queue_name (split /,/, $queue_names) {
  my $queue = RT::Queue->new(RT->SystemUser);
  check("queue $queue_name",
    $queue->Create(Name => $queue_name, Description => 'cxloop connector tests'));
  for my $right (qw(SeeQueue CreateTicket ShowTicket ModifyTicket CommentOnTicket
                    ReplyToTicket ShowTicketComments)) {
    check("right $right", $user->PrincipalObj->GrantRight(Right => $right, Object => $queue));
  }
}
check('right ManageAuthTokens',
  $user->PrincipalObj->GrantRight(Right => 'ManageAuthTokens', Object => RT->System));

my $token = RT::AuthToken->new(RT::CurrentUser->new($user));
my ($id, $message, $auth_string) = $token->Create(Owner => $user->Id, Description => 'cxloop tests');
check('auth token', $id, $message);
print "$auth_string\n";
