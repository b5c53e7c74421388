// A square to draw a digit on, with a mouse, a pen or a finger (pointer events). When a stroke
// ends, the drawing goes to Python as the state value "image": {n, size, data}, a size x size
// grey image (base64 of one byte a pixel, 255 = full ink), n counting the strokes; Clear sets
// it to null. The picture stays on the page across reruns.
const SIZE = 64;  // the image sent: enough for the crop and centring to work on

function encode(canvas) {
  const small = document.createElement("canvas");
  small.width = small.height = SIZE;
  const ctx = small.getContext("2d");
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, SIZE, SIZE);
  ctx.drawImage(canvas, 0, 0, SIZE, SIZE);  // smoothed: area-like averaging
  const px = ctx.getImageData(0, 0, SIZE, SIZE).data;
  let bin = "";
  for (let i = 0; i < px.length; i += 4) bin += String.fromCharCode(255 - px[i]);
  return btoa(bin);
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let box = parentElement.querySelector(".nnp-canvas");
  if (box) return;
  box = document.createElement("div");
  box.className = "nnp-canvas";
  const canvas = document.createElement("canvas");
  const css = data.size;
  canvas.width = canvas.height = css * 2;  // sharp on high-density screens
  canvas.style.width = canvas.style.height = `${css}px`;
  canvas.setAttribute("aria-label", data.label);
  canvas.setAttribute("role", "img");
  const ctx = canvas.getContext("2d");
  const clear = () => {
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.strokeStyle = "black";
  ctx.lineWidth = canvas.width * data.stroke;
  let drawing = false, strokes = 0, last = null;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width,
            (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.beginPath();
    ctx.arc(last[0], last[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fillStyle = "black";
    ctx.fill();
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = at(e);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    last = p;
    e.preventDefault();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    strokes += 1;
    setStateValue("image", { n: strokes, size: SIZE, data: encode(canvas) });
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = data.clear;
  button.onclick = () => { clear(); strokes = 0; setStateValue("image", null); };
  box.append(canvas, button);
  parentElement.appendChild(box);
}
