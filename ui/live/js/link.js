// The page's own address (which the app keeps equal to the settings) with a copy button; it
// follows the address as settings change, whichever part of the page changed them.
export default function (component) {
  const { data, parentElement } = component;
  if (parentElement.querySelector(".nnp-link")) return;
  const box = document.createElement("div");
  box.className = "nnp-link";
  const code = document.createElement("code");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = data.label;
  button.onclick = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = data.copied;
    } catch (e) {  // no clipboard (not a secure origin): select the link for the user
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setTimeout(() => { button.textContent = data.label; }, 1500);
  };
  box.append(code, button);
  parentElement.appendChild(box);
  const timer = setInterval(() => {
    if (!box.isConnected) return clearInterval(timer);
    if (code.textContent !== location.href) code.textContent = location.href;
  }, 500);
  code.textContent = location.href;
}
