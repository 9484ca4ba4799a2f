using Verity.Rewards.Code;

namespace Verity.Rewards.Tests.Code;

[Collection("sandbox")]
public sealed class SandboxProbeTests
{
    [Fact]
    public void The_probe_refuses_a_sandbox_whose_isolation_does_not_hold()
    {
        // Given slots that would run as root (uid 0): namespaces are there, but root can read pid 1's environment
        // and write the sandbox root. The start-up probe must notice and refuse, naming what failed.
        var ex = Assert.Throws<NotSupportedException>(() => Sandbox.Create(baseUid: 0));
        Assert.Contains("isolation probe failed", ex.Message);
        Assert.Contains("environment is readable", ex.Message);
        Assert.Contains("HINT", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_proper_sandbox_passes_the_probe_and_leaves_no_process()
    {
        var sandbox = Sandbox.Create(baseUid: 61990);
        Assert.Equal(61990, sandbox.BaseUid);
        Assert.All(sandbox.Uids, uid => Assert.True(uid >= 61990));
        Assert.All(sandbox.Uids, uid => Assert.Empty(Sandbox.ProcessesLeft(uid, TimeSpan.FromSeconds(1))));
    }
}
