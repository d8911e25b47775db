using TalosSeccomp.FakeTalos;

return await FakeTalosProgram.RunAsync(args).ConfigureAwait(false);
