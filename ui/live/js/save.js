export default function (component) {
  const { data, parentElement } = component;
  let button = parentElement.querySelector("button.nnp-save");
  if (!button) {
    button = document.createElement("button");
    button.className = "nnp-save";
    button.type = "button";
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.onclick = async () => {
    const charts = [...document.querySelectorAll(".nnp-chart")].filter(
      (el) => el.offsetWidth > 0 && el._fullLayout);
    if (!charts.length || !window.Plotly) return;
    const images = await Promise.all(charts.map((el) => window.Plotly.toImage(el,
      { format: "png", width: el.offsetWidth, height: el.offsetHeight, scale: 2 })));
    const tiles = await Promise.all(images.map((src) => new Promise((resolve) => {
      const img = new Image(); img.onload = () => resolve(img); img.src = src; })));
    // Lay the charts out as they are on the page (by their screen position).
    const boxes = charts.map((el) => el.getBoundingClientRect());
    const x0 = Math.min(...boxes.map((b) => b.left)), y0 = Math.min(...boxes.map((b) => b.top));
    const w = Math.max(...boxes.map((b) => b.right)) - x0;
    const h = Math.max(...boxes.map((b) => b.bottom)) - y0;
    const canvas = document.createElement("canvas");
    canvas.width = Math.ceil(w * 2); canvas.height = Math.ceil(h * 2);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    tiles.forEach((img, i) => ctx.drawImage(img, (boxes[i].left - x0) * 2,
                                            (boxes[i].top - y0) * 2));
    const link = document.createElement("a");
    link.download = data.filename; link.href = canvas.toDataURL("image/png"); link.click();
  };
}
