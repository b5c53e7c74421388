function channel(url) {
  const channels = (window.__nnpLive = window.__nnpLive || {});
  return channels[url] || (channels[url] = { url, charts: {}, status: null, notice: null,
                                              onEnded: null, playing: false, looping: false,
                                              fetched: 0 });
}
