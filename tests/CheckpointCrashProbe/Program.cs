// Checkpoint crash probe: resumes from the newest complete checkpoint of RUN_DIR (resume auto), then saves
// checkpoints forever with payload files whose every byte is derived from the step, printing
// "begin <step>" before and "saved <step>" after each save. The test kills it with SIGKILL at random moments
// and checks that what resume finds is always whole (see CheckpointCrashTests).
// Usage: CheckpointCrashProbe RUN_DIR MODEL_MEGABYTES
using System.Text.Json.Nodes;
using Verity.Rl.Checkpoints;

var runDir = args[0];
int megabytes = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var manager = new CheckpointManager(runDir, new CheckpointPolicy { KeepLast = 2, KeepBest = 1, BestMetric = "score", Mode = MetricMode.Max });
long step = manager.Resolve("auto")?.Step ?? 0;
Console.Out.WriteLine($"resumed {step}");
Console.Out.Flush();
while (true)
{
    step++;
    Console.Out.WriteLine($"begin {step}");
    Console.Out.Flush();
    long s = step;
    manager.Save(s, dir => ProbePayload.Write(dir, s, megabytes),
        new Dictionary<string, JsonNode?> { ["kl"] = new JsonObject { ["beta"] = s * 0.5 } },
        metricValue: ProbePayload.Score(s));
    Console.Out.WriteLine($"saved {step}");
    Console.Out.Flush();
}

/// <summary>Payload whose content is checkable from the step alone.</summary>
internal static class ProbePayload
{
    public static double Score(long step) => Math.Sin(step);

    public static byte Fill(long step) => (byte)(step % 251);

    public static void Write(string dir, long step, int megabytes)
    {
        var block = new byte[1 << 20];
        Array.Fill(block, Fill(step));
        using (var model = File.Create(Path.Combine(dir, "model.safetensors")))
        {
            for (int i = 0; i < megabytes; i++) model.Write(block);
        }
        Directory.CreateDirectory(Path.Combine(dir, "optimizer"));
        File.WriteAllBytes(Path.Combine(dir, "optimizer", "adamw.bin"), block.AsSpan(0, 4096 + (int)(step % 7)).ToArray());
        File.WriteAllText(Path.Combine(dir, "rng.json"), $"{{\"step\":{step}}}");
    }
}
