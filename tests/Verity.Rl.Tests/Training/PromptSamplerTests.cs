using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

public class PromptSamplerTests
{
    [Fact]
    public void Random_visits_every_prompt_once_per_epoch_in_a_new_order_each_epoch()
    {
        var sampler = new PromptSampler("random", 10, seed: 3);
        var epoch0 = sampler.Next(10);
        var epoch1 = sampler.Next(10);
        Assert.Equal(Enumerable.Range(0, 10), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 10), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(Enumerable.Range(0, 10), epoch0);
        Assert.Equal((1, 10), (sampler.Epoch, sampler.Cursor)); // the next draw starts epoch 2
    }

    [Fact]
    public void Restored_state_continues_the_same_stream_across_epoch_boundaries()
    {
        var a = new PromptSampler("random", 7, seed: 9);
        a.Next(5);
        a.Next(5); // crosses into epoch 1
        var state = a.State();
        var b = new PromptSampler("random", 7, seed: 9);
        b.Restore(state);
        Assert.Equal(a.Next(12), b.Next(12));
        Assert.NotEqual(new PromptSampler("random", 7, seed: 10).Next(7), new PromptSampler("random", 7, seed: 9).Next(7));
    }

    [Fact]
    public void Sequential_walks_the_file_order_and_wraps()
    {
        var s = new PromptSampler("sequential", 3, seed: 1);
        Assert.Equal([0, 1, 2, 0, 1], s.Next(5));
    }

    [Fact]
    public void A_state_that_does_not_fit_the_prompts_is_rejected()
    {
        var s = new PromptSampler("sequential", 3, seed: 1);
        var ex = Assert.Throws<InvalidDataException>(() => s.Restore(new System.Text.Json.Nodes.JsonObject { ["epoch"] = 0, ["cursor"] = 9 }));
        Assert.Contains("--resume none", ex.Message);
    }
}
