using Verity.Rewards.Code;

namespace Verity.Rl.Tests.Rollout;

/// <summary>One proven sandbox for the tool-rollout tests (the isolation probe runs once). As in Verity.Rewards.Tests,
/// there is no skip: without Linux, root and bubblewrap these tests fail with the sandbox's one-line reason.</summary>
public sealed class SandboxFixture
{
    public Sandbox Sandbox { get; } = Sandbox.Create();
}

[CollectionDefinition("sandbox")]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>;
