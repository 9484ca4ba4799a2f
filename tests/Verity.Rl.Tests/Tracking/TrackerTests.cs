using Verity.Rl.Tracking;

namespace Verity.Rl.Tests.Tracking;

public class TrackerTests
{
    [Fact]
    public void Should_Send_Each_Row_To_Every_Backend()
    {
        using var dir = new TempDir();
        var console = new StringWriter();
        var options = new TrackerOptions { RunDir = dir.Path, TotalSteps = 3, Plain = true, PlainOut = console, CompletionsEvery = 2 };
        using (var tracker = Tracker.Create(["console", "jsonl", "tensorboard"], options))
        {
            for (int step = 1; step <= 3; step++)
            {
                tracker.Log(step, new Dictionary<string, double> { ["reward"] = step / 10.0 });
                if (tracker.WantsCompletions(step)) tracker.LogCompletions(step, [new CompletionSample("p", "c", 1)]);
            }
        }
        Assert.Equal(3, File.ReadAllLines(dir.File("metrics.jsonl")).Length);
        Assert.Equal(3, console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var events = Directory.GetFiles(dir.Path, "events.out.tfevents.*");
        Assert.Single(events);
        Assert.Equal(4, TensorBoardReader.Read(events[0]).Count);
        Assert.Single(File.ReadAllLines(dir.File("completions.jsonl")));
    }

    [Fact]
    public void Should_List_Known_Backends_For_An_Unknown_Name()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<ArgumentException>(() => Tracker.Create(["jsonl", "wandb"], new TrackerOptions { RunDir = dir.Path }));
        Assert.Equal("unknown tracking backend 'wandb'. HINT: use one of: console, jsonl, tensorboard", ex.Message);
        Assert.False(File.Exists(dir.File("metrics.jsonl"))); // nothing created on a bad config
    }

    [Fact]
    public void Should_Refuse_A_Step_Logged_Twice()
    {
        using var dir = new TempDir();
        using var tracker = Tracker.Create(["jsonl"], new TrackerOptions { RunDir = dir.Path });
        tracker.Log(1, new Dictionary<string, double>());
        Assert.Throws<ArgumentException>(() => tracker.Log(1, new Dictionary<string, double>()));
    }
}
