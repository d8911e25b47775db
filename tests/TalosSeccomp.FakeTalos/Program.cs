// Entry point placeholder: the fake node's host is built in FakeTalosServer.
return 0;
