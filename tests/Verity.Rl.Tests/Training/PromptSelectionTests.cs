using System.Text.Json.Nodes;
using Verity.Rl.Algorithms.Filters;
using Verity.Rl.Training;

namespace Verity.Rl.Tests.Training;

/// <summary>History resampling (SRPO), Gaussian difficulty sampling and the online pass-rate filter, without a model.</summary>
public class PromptSelectionTests
{
    private static void RecordAll(IPromptSampler sampler, int[] drawn, Func<int, (int Correct, int Scored)> outcome) =>
        sampler.Record([.. drawn.Select(p => new PromptOutcome(p, outcome(p).Correct, outcome(p).Scored))]);

    [Fact]
    public void History_resampling_drops_prompts_whose_rollouts_were_all_correct_at_the_epoch_end()
    {
        // Given 6 prompts: 0 and 1 always solved, 2 and 3 mixed, 4 and 5 never solved
        var s = new PromptSampler("history_resampling", 6, seed: 4);
        (int, int) Outcome(int p) => p switch { < 2 => (8, 8), < 4 => (3, 8), _ => (0, 8) };

        // When epoch 0 is drawn in batches of 3 and recorded after each batch
        for (int b = 0; b < 2; b++) RecordAll(s, s.Next(3), Outcome);
        Assert.Equal(6, s.Active); // the set changes only when the next epoch starts

        // Then epoch 1 holds only the mixed and all-wrong prompts, each once
        var epoch1 = s.Next(4);
        Assert.Equal([2, 3, 4, 5], epoch1.Order());
        Assert.Equal(4, s.Active);
        var m = new Dictionary<string, double>();
        s.AddMetrics(m);
        Assert.Equal(4, m["sampler/active_prompts"]);
        Assert.Equal(2, m["sampler/removed_last_epoch"]);
        Assert.Equal(2.0, s.Epochs); // epoch 1 (of 4 prompts) fully drawn
    }

    [Fact]
    public void History_resampling_keeps_a_prompt_solved_once_but_failed_once_in_the_same_epoch_tally()
    {
        var s = new PromptSampler("history_resampling", 2, seed: 1);
        var first = s.Next(2);
        s.Record([new PromptOutcome(first[0], 4, 4), new PromptOutcome(first[1], 4, 4)]);
        s.Record([new PromptOutcome(first[1], 1, 4)]); // a later outcome of prompt first[1] in the same epoch
        s.Next(1);
        Assert.Equal(1, s.Active);
        Assert.Equal(first[0], s.State()["removed"]!.AsArray().Single()!.GetValue<int>());
    }

    [Fact]
    public void History_resampling_never_empties_the_set()
    {
        var s = new PromptSampler("history_resampling", 3, seed: 1);
        RecordAll(s, s.Next(3), _ => (2, 2));
        s.Next(1);
        Assert.Equal(3, s.Active);
    }

    [Fact]
    public void History_resampling_state_restores_the_tally_and_the_removed_set()
    {
        // Given a sampler past one removal (0, 3, 6 always solved) and with three prompts of epoch 1 tallied as solved
        var a = new PromptSampler("history_resampling", 8, seed: 2);
        (int, int) Outcome(int p) => p % 3 == 0 ? (4, 4) : (1, 4);
        RecordAll(a, a.Next(8), Outcome);
        RecordAll(a, a.Next(3), _ => (4, 4));
        string state = a.State().ToJsonString();

        // When a fresh sampler restores it, and another restores it without the tally
        var b = new PromptSampler("history_resampling", 8, seed: 2);
        b.Restore(JsonNode.Parse(state)!);
        var forgetful = new PromptSampler("history_resampling", 8, seed: 2);
        var noTally = JsonNode.Parse(state)!;
        noTally["tally"] = new JsonArray();
        forgetful.Restore(noTally);
        foreach (var x in new[] { a, b, forgetful })
        {
            RecordAll(x, x.Next(2), Outcome); // the rest of epoch 1
            x.Next(1);                        // epoch 2 starts
        }

        // Then the restored sampler removed the three tallied prompts as the original did, and draws the same stream
        Assert.Equal(2, a.Active);
        Assert.Equal(2, b.Active);
        Assert.Equal(5, forgetful.Active);
        Assert.Equal(a.Next(7), b.Next(7));
        Assert.Equal(a.State().ToJsonString(), b.State().ToJsonString());
    }

    [Fact]
    public void A_checkpoint_of_another_sampler_kind_is_refused_with_the_fix()
    {
        var random = new PromptSampler("random", 5, seed: 1).State();
        var ex = Assert.Throws<InvalidDataException>(() => new PromptSampler("history_resampling", 5, seed: 1).Restore(random));
        Assert.Contains("data.sampler=random", ex.Message);
        Assert.Throws<InvalidDataException>(() => new GaussianDifficultySampler([null, null], 0.5, 0.1, 1).Restore(random));
    }

    [Fact]
    public void Gaussian_weights_follow_the_normal_density_over_the_pass_rate()
    {
        var g = new GaussianDifficultySampler([0.5, 0.6, 0.8, null], mean: 0.5, std: 0.1, seed: 1);
        Assert.Equal(1.0, g.Weight(0));
        Assert.Equal(Math.Exp(-0.5), g.Weight(1), 12);
        Assert.Equal(Math.Exp(-4.5), g.Weight(2), 12);
        Assert.Equal(1.0, g.Weight(3)); // unknown: placed at the mean, tried soon
        g.Record([new PromptOutcome(3, 1, 8), new PromptOutcome(0, 0, 0)]); // a void-only outcome changes nothing
        Assert.Equal(0.125, g.PassRate(3));
        Assert.Equal(0.5, g.PassRate(0));
        Assert.Equal(Math.Exp(-0.5 * 3.75 * 3.75), g.Weight(3), 12);
    }

    [Fact]
    public void Gaussian_sampling_draws_medium_prompts_far_more_often_and_distinct_prompts_per_batch()
    {
        // Given 10 prompts at pass rate 0.5 and 10 at 0.0 (weights 1 and e^-12.5)
        double?[] rates = [.. Enumerable.Range(0, 20).Select(i => i < 10 ? 0.5 : 0.0)];
        var g = new GaussianDifficultySampler(rates, 0.5, 0.1, seed: 7);
        var counts = new int[20];
        for (int step = 0; step < 50; step++)
        {
            var batch = g.Next(4);
            Assert.Equal(4, batch.Distinct().Count());
            foreach (var i in batch) counts[i]++;
            g.Record([]); // the step ends
        }
        Assert.Equal(200, counts.Take(10).Sum());
        Assert.All(counts.Take(10), c => Assert.InRange(c, 5, 40));
        Assert.Equal(10.0, g.Epochs);
        // refill rounds of one step (no Record between) do not repeat a prompt: 3 rounds of 4 use up the 10
        // medium prompts and then take 2 of the others
        var rounds = g.Next(4).Concat(g.Next(4)).Concat(g.Next(4)).ToList();
        Assert.Equal(12, rounds.Distinct().Count());
        Assert.Equal(10, rounds.Count(i => i < 10));
        g.Record([]);
        // a batch as large as the set takes every prompt once, whatever its weight
        Assert.Equal(Enumerable.Range(0, 20), g.Next(20).Order());
    }

    [Fact]
    public void Gaussian_sampling_moves_with_observed_pass_rates_and_restores_exactly()
    {
        var a = new GaussianDifficultySampler([.. Enumerable.Repeat<double?>(null, 12)], 0.5, 0.1, seed: 3);
        for (int step = 0; step < 5; step++) RecordAll(a, a.Next(3), p => (p % 4 == 0 ? 4 : 8, 8)); // p % 4 == 0: medium, else solved
        var b = new GaussianDifficultySampler([.. Enumerable.Repeat<double?>(null, 12)], 0.5, 0.1, seed: 3);
        b.Restore(JsonNode.Parse(a.State().ToJsonString())!);
        for (int step = 0; step < 5; step++) Assert.Equal(a.Next(3), b.Next(3));
        // every prompt was seen once; after that only the medium ones (0, 4, 8) carry weight
        var late = new GaussianDifficultySampler([.. Enumerable.Repeat<double?>(null, 12)], 0.5, 0.1, seed: 3);
        RecordAll(late, [.. Enumerable.Range(0, 12)], p => (p % 4 == 0 ? 4 : 8, 8));
        Assert.Equal([0, 4, 8], late.Next(3).Order());
    }

    [Fact]
    public void Online_pass_rate_filter_drops_groups_outside_the_band()
    {
        double[] rewards = [1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0.5, 0];
        int[] groups = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
        var keep = Enumerable.Repeat(true, 12).ToArray();
        int dropped = PassRateFilter.Apply(rewards, groups, low: 0.1, high: 0.5, keep);
        // pass rates 1, 0, 1/3, 2/3 (0.5 is a positive reward): only group 2 is inside [0.1, 0.5]
        Assert.Equal(3, dropped);
        Assert.Equal([false, false, false, false, false, false, true, true, true, false, false, false], keep);
    }
}
